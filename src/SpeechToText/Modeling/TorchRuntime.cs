using System.Runtime.InteropServices;
using TorchSharp;

namespace SpeechToText.Modeling;

/// <summary>
/// Checks that libtorch (through TorchSharp's native library) can be loaded, and explains in one line
/// what is wrong when it cannot, instead of TorchSharp's long trace (and its attempt to copy 500 MB of
/// native libraries next to the program).
/// </summary>
public static class TorchRuntime
{
    static readonly Lazy<string?> Problem = new(FindProblem);

    /// <summary>Whether libtorch is loaded and usable.</summary>
    public static bool IsAvailable => Problem.Value == null;

    /// <summary>The libtorch version in use, or null when it cannot be loaded.</summary>
    public static string? Version => IsAvailable ? torch.__version__ : null;

    /// <summary>Loads libtorch, or throws a <see cref="MissingDependencyException"/> saying what is missing and how to fix it.</summary>
    public static void EnsureAvailable()
    {
        if (Problem.Value is { } problem)
            throw new MissingDependencyException(problem);
    }

    static string? FindProblem()
    {
        try
        {
            NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null);
        }
        catch (DllNotFoundException e)
        {
            string detail = e.Message.Contains("GLIBCXX", StringComparison.Ordinal)
                ? "the system libstdc++ is older than the one TorchSharp was built with (GLIBCXX_3.4.32 missing); " +
                  "run `dotnet build`, which marks that requirement weak, or install GCC 13's libstdc++"
                : $"{FirstLine(e.Message)}; reference the libtorch-cpu package for this platform and rebuild";
            return $"libtorch cannot be loaded: {detail}.";
        }
        try
        {
            using var probe = torch.ones(1);
            SetLogLevel();
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            return $"libtorch cannot be loaded: {FirstLine((e.InnerException ?? e).Message)}.";
        }
    }

    /// <summary>
    /// libtorch logs warnings meant for its own developers on stderr; on a CPU without AVX2, for one, that NNPACK
    /// cannot be initialised, again and again while transcribing. It logs only errors unless the environment variable
    /// <c>TORCH_CPP_LOG_LEVEL</c> names another level (INFO, WARNING, ERROR, FATAL or 0-3), as libtorch's own
    /// Python front end reads it.
    /// </summary>
    static void SetLogLevel()
    {
        int level = Environment.GetEnvironmentVariable("TORCH_CPP_LOG_LEVEL")?.Trim().ToUpperInvariant() switch
        {
            "INFO" or "0" => 0,
            "WARNING" or "1" => 1,
            "FATAL" or "3" => 3,
            _ => 2,
        };
        if (LogLevelFlag() is { } flag)
            Marshal.WriteInt32(flag, level);
    }

    /// <summary>The level below which libtorch logs nothing (0 info, 1 warning, 2 error, 3 fatal), or null when it cannot be read.</summary>
    internal static int? LogLevel => IsAvailable && LogLevelFlag() is { } flag ? Marshal.ReadInt32(flag) : null;

    /// <summary>The address of libtorch's log level (c10's <c>FLAGS_caffe2_log_level</c>, an int), or null when it has none.</summary>
    static nint? LogLevelFlag() =>
        NativeLibrary.TryLoad("c10", typeof(torch).Assembly, null, out var c10) && NativeLibrary.TryGetExport(c10, "FLAGS_caffe2_log_level", out var flag)
            ? flag
            : null;

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim().TrimEnd('.');
}

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
            return null;
        }
        catch (Exception e) when (e is TypeInitializationException or NotSupportedException or DllNotFoundException)
        {
            return $"libtorch cannot be loaded: {FirstLine((e.InnerException ?? e).Message)}.";
        }
    }

    static string FirstLine(string text) => text.Split('\n', 2)[0].Trim().TrimEnd('.');
}

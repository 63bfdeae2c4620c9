using System.Diagnostics;
using System.Text;
using SpeechToText.Cli;

namespace SpeechToText.Tests.Cli;

/// <summary>Runs <c>stt</c> in this process, or as a child process when the environment must differ.</summary>
internal static class SttCommandLine
{
    public sealed record Result(int ExitCode, string Output, string Error);

    public static Result Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = SttApp.Run(args, output, error);
        return new Result(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs the built stt program with extra environment variables and optional standard input.</summary>
    public static Result RunProcess(IDictionary<string, string>? environment, string? stdinFile, params string[] args)
    {
        using var process = Start(environment, args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (stdinFile != null)
        {
            using var input = File.OpenRead(stdinFile);
            input.CopyTo(process.StandardInput.BaseStream);
        }
        process.StandardInput.Close();
        Assert.True(process.WaitForExit(60_000), "stt did not finish within a minute");
        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Starts the built stt program with extra environment variables, its standard streams redirected.</summary>
    public static Process Start(IDictionary<string, string>? environment, params string[] args)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "stt"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (string argument in args)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
            start.Environment[name] = value;
        return Process.Start(start)!;
    }

    /// <summary>What a started stt writes on stderr, as it writes it.</summary>
    public static Transcript ErrorOf(Process stt)
    {
        var error = new Transcript();
        stt.ErrorDataReceived += (_, line) => error.Add(line.Data);
        stt.BeginErrorReadLine();
        return error;
    }

    /// <summary>Lines a process writes, read as they come.</summary>
    public sealed class Transcript
    {
        readonly StringBuilder _lines = new();

        public void Add(string? line)
        {
            lock (_lines)
            {
                if (line != null)
                    _lines.AppendLine(line);
            }
        }

        public override string ToString()
        {
            lock (_lines)
                return _lines.ToString();
        }
    }
}

using System.CommandLine;
using Microsoft.Extensions.Logging;
using SpeechToText.Cli.Commands;

namespace SpeechToText.Cli;

/// <summary>The <c>stt</c> command line: parses arguments, runs a command, maps failures to exit codes.</summary>
public static class SttApp
{
    /// <summary>Shows debug messages (and stack traces of internal errors) on stderr.</summary>
    internal static readonly Option<bool> Verbose = new("--verbose", "-v")
    {
        Description = "Show debug messages on stderr",
        Recursive = true,
    };

    /// <summary>Runs <c>stt</c> with <paramref name="args"/>; results go to <paramref name="output"/>, messages to <paramref name="error"/>.</summary>
    /// <returns>An <see cref="ExitCode"/>.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var root = new RootCommand("SpeechToText: speech recognition of the Whisper family.")
        {
            MelCommand.Create(output, error),
            TranscribeCommand.Create(output, error),
            ConvertCommand.Create(output, error),
            ModelsCommand.Create(output, error),
            InfoCommand.Create(output, error),
        };
        root.Options.Add(Verbose);

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors)
                error.WriteLine($"stt: {parseError.Message}");
            error.WriteLine("Try 'stt --help'.");
            return ExitCode.UsageError;
        }
        return parsed.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs a command body with logging set up, turning every failure into one clear line and an exit code.</summary>
    internal static int Execute(ParseResult parsed, TextWriter error, Func<ILoggerFactory, int> body)
    {
        bool verbose = parsed.GetValue(Verbose);
        using var loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            .AddProvider(new TextWriterLoggerProvider(error)));
        try
        {
            return body(loggers);
        }
        catch (UsageException e)
        {
            error.WriteLine($"stt: {e.Message}");
            error.WriteLine("Try 'stt --help'.");
            return ExitCode.UsageError;
        }
        catch (ArgumentException e) when (e.ParamName is "options" or "language" or "device")
        {
            error.WriteLine($"stt: {e.Message.Split(" (Parameter", 2)[0]}");
            return ExitCode.UsageError;
        }
        catch (HttpRequestException e)
        {
            error.WriteLine($"stt: error: download failed: {e.Message}");
            return ExitCode.InputError;
        }
        catch (InvalidDataException e)
        {
            error.WriteLine($"stt: error: {e.Message}");
            return ExitCode.InputError;
        }
        catch (AudioInputException e)
        {
            error.WriteLine($"stt: error: {e.Message}");
            return ExitCode.InputError;
        }
        catch (MissingDependencyException e)
        {
            error.WriteLine($"stt: error: {e.Message}");
            return ExitCode.MissingDependency;
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("stt: cancelled");
            return ExitCode.Cancelled;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error.WriteLine($"stt: error: {e.Message}");
            return ExitCode.InputError;
        }
        catch (Exception e)
        {
            error.WriteLine($"stt: internal error: {e.GetType().Name}: {e.Message}{(verbose ? "" : " (run with -v for details)")}");
            if (verbose)
                error.WriteLine(e);
            return ExitCode.InternalError;
        }
    }
}

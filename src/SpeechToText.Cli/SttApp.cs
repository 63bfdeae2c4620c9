using System.CommandLine;
using System.CommandLine.Invocation;
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
    /// <param name="args">The command line.</param>
    /// <param name="output">Results.</param>
    /// <param name="error">Messages.</param>
    /// <param name="handleSignals">
    /// Whether Ctrl+C and SIGTERM cancel a cancellable command (see <see cref="Interruption"/>), as they do in the
    /// <c>stt</c> process; otherwise they keep their default action, as they always do for the other commands.
    /// </param>
    /// <returns>An <see cref="ExitCode"/>.</returns>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool handleSignals = false)
    {
        var root = new RootCommand("SpeechToText: speech recognition of the Whisper family.")
        {
            MelCommand.Create(output, error),
            TranscribeCommand.Create(output, error),
            ConvertCommand.Create(output, error),
            ModelsCommand.Create(output, error),
            CorpusCommand.Create(output, error),
            TrainCommand.Create(output, error),
            LanguageModelCommand.Create(output, error),
            EvaluateCommand.Create(output, error),
            BenchCommand.Create(output, error),
            LiveCommand.Create(output, error),
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
        var configuration = new InvocationConfiguration
        {
            Output = output,
            Error = error,
            EnableDefaultExceptionHandler = false,
            ProcessTerminationTimeout = null, // signals are Interruption's
        };
        if (!handleSignals || parsed.Action is not AsynchronousCommandLineAction)
            return parsed.Invoke(configuration);
        using var interruption = new Interruption(error);
        return parsed.InvokeAsync(configuration, interruption.Token).GetAwaiter().GetResult();
    }

    /// <summary>Runs a command body with logging set up, turning every failure into one clear line and an exit code.</summary>
    internal static int Execute(ParseResult parsed, TextWriter error, Func<ILoggerFactory, int> body) =>
        Execute(parsed, error, body, CancellationToken.None);

    /// <summary>
    /// As <see cref="Execute(ParseResult, TextWriter, Func{ILoggerFactory, int})"/>, for a command that Ctrl+C cancels
    /// through <paramref name="cancellation"/>. A failure as it fires is the cancellation: a terminal signals the whole
    /// process group, so a child process (ffmpeg, a synthesiser) dies of the same Ctrl+C and its failure is no error.
    /// </summary>
    internal static int Execute(ParseResult parsed, TextWriter error, Func<ILoggerFactory, int> body, CancellationToken cancellation)
    {
        bool verbose = parsed.GetValue(Verbose);
        using var loggers = LoggerFactory.Create(builder => builder
            .SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information)
            .AddProvider(new TextWriterLoggerProvider(error)));
        try
        {
            return body(loggers);
        }
        catch (Exception e)
        {
            var (code, message) = Interrupted(cancellation) ? (ExitCode.Cancelled, "stt: cancelled") : Classify(e);
            error.WriteLine(code == ExitCode.InternalError && !verbose ? message + " (run with -v for details)" : message);
            if (code == ExitCode.UsageError && e is UsageException)
                error.WriteLine("Try 'stt --help'.");
            if (code == ExitCode.InternalError && verbose)
                error.WriteLine(e);
            return code;
        }
    }

    /// <summary>Whether Ctrl+C fired, or fires within a moment (the signal may be handled after a child's failure is).</summary>
    internal static bool Interrupted(CancellationToken cancellation) =>
        cancellation.CanBeCanceled && cancellation.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250));

    /// <summary>The exit code and the one line to show for a failure.</summary>
    static (int Code, string Message) Classify(Exception e) => e switch
    {
        UsageException => (ExitCode.UsageError, $"stt: {e.Message}"),
        ArgumentException { ParamName: "options" or "layout" or "language" or "device" } => (ExitCode.UsageError, $"stt: {e.Message.Split(" (Parameter", 2)[0]}"),
        HttpRequestException => (ExitCode.InputError, $"stt: error: download failed: {e.Message}"),
        InvalidDataException or AudioInputException or IOException or UnauthorizedAccessException => (ExitCode.InputError, $"stt: error: {e.Message}"),
        MissingDependencyException => (ExitCode.MissingDependency, $"stt: error: {e.Message}"),
        OperationCanceledException => (ExitCode.Cancelled, "stt: cancelled"),
        _ => (ExitCode.InternalError, $"stt: internal error: {e.GetType().Name}: {e.Message}"),
    };
}

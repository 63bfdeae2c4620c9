namespace SpeechToText.Cli;

/// <summary>The process exit codes of <c>stt</c>.</summary>
public static class ExitCode
{
    /// <summary>The command did what was asked.</summary>
    public const int Ok = 0;

    /// <summary>A bug: an unexpected exception (run with -v for the stack trace).</summary>
    public const int InternalError = 1;

    /// <summary>The command line is wrong: unknown command or option, missing or invalid value.</summary>
    public const int UsageError = 2;

    /// <summary>An input is missing, unreadable, corrupt or not audio; or an output cannot be written.</summary>
    public const int InputError = 3;

    /// <summary>A program or library the command needs (ffmpeg, libtorch) is missing or cannot be loaded.</summary>
    public const int MissingDependency = 4;

    /// <summary>Interrupted (Ctrl+C).</summary>
    public const int Cancelled = 130;
}

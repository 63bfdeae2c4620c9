using System.CommandLine;

namespace SpeechToText.Cli.Commands;

/// <summary>The <c>--threads</c> (<c>-t</c>) option of the commands that run a model: libtorch's CPU threads.</summary>
internal static class ThreadsOption
{
    /// <summary>The option; a count below 1 is a usage error (libtorch would abort the whole process on it).</summary>
    public static Option<int?> Create(string description) => new Option<int?>("--threads", "-t") { Description = description }.AtLeast(1);
}

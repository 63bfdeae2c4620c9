using System.CommandLine;

namespace SpeechToText.Cli.Commands;

/// <summary>The <c>--threads</c> (<c>-t</c>) option of the commands that run a model: libtorch's CPU threads.</summary>
internal static class ThreadsOption
{
    /// <summary>
    /// The option, refusing a count below 1 as a usage error when the command line is parsed (libtorch would
    /// abort the whole process on it).
    /// </summary>
    public static Option<int?> Create(string description)
    {
        var option = new Option<int?>("--threads", "-t") { Description = description };
        option.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is { } threads && threads < 1)
                result.AddError($"--threads must be at least 1, not {threads}");
        });
        return option;
    }
}

using System.CommandLine;
using System.CommandLine.Parsing;

namespace SpeechToText.Cli.Commands;

/// <summary>Lower bounds of numeric options, checked when the command line is parsed (a usage error naming the option).</summary>
internal static class OptionLimits
{
    /// <summary>Refuses a value of <paramref name="option"/> below <paramref name="least"/>.</summary>
    public static Option<int> AtLeast(this Option<int> option, int least)
    {
        Refuse(option, least, result => result.GetValueOrDefault<int>());
        return option;
    }

    /// <summary>Refuses a value of <paramref name="option"/> below <paramref name="least"/> (none given is fine).</summary>
    public static Option<int?> AtLeast(this Option<int?> option, int least)
    {
        Refuse(option, least, result => result.GetValueOrDefault<int?>());
        return option;
    }

    static void Refuse(Option option, int least, Func<OptionResult, int?> value) => option.Validators.Add(result =>
    {
        if (value(result) is { } given && given < least)
            result.AddError($"{option.Name} must be at least {least}, not {given}");
    });
}

using SpeechToText.Decoding;

namespace SpeechToText.Tests.Decoding;

public sealed class DecodingOptionsTests
{
    [Fact]
    public void The_defaults_and_the_command_lines_choices_are_valid()
    {
        new DecodingOptions().Validate();
        new DecodingOptions { BeamSize = 5, Temperatures = [0.0], LanguageModelWeight = 0, BestOf = 1, MaxTokensPerWindow = 1 }.Validate();
        new DecodingOptions { Language = "DE" }.Validate(); // codes are read case-blind, as the tokenizer reads them
        new DecodingOptions { MaxInitialTimestamp = 0 }.Validate(); // no limit
    }

    public static TheoryData<DecodingOptions, string> Impossible => new()
    {
        { new DecodingOptions { BeamSize = 0 }, "beam size must be at least 1 (1 decodes greedily); 0 was given" },
        { new DecodingOptions { Patience = 0 }, "patience must be a positive number; 0 was given" },
        { new DecodingOptions { Patience = double.PositiveInfinity }, "patience must be a positive number; Infinity was given" },
        { new DecodingOptions { BestOf = 0 }, "best of) must be at least 1; 0 was given" },
        { new DecodingOptions { Temperatures = [] }, "At least one temperature is needed" },
        { new DecodingOptions { Temperatures = [0.0, -0.2] }, "Temperatures must be finite numbers, 0 or more; -0.2 was given" },
        { new DecodingOptions { Temperatures = [double.NaN] }, "Temperatures must be finite numbers, 0 or more; NaN was given" },
        { new DecodingOptions { LanguageModelWeight = -1 }, "language model's weight must be a finite number, 0 or more; -1 was given" },
        { new DecodingOptions { WordLanguageModelWeight = -1 }, "word language model's weight must be a finite number, 0 or more; -1 was given" },
        { new DecodingOptions { Language = "xx" }, "Unknown language \"xx\"; use a code such as en" },
        { new DecodingOptions { Language = "english" }, "Unknown language \"english\"" },
        { new DecodingOptions { MaxTokensPerWindow = 0 }, "most tokens per window must be at least 1; 0 was given" },
        { new DecodingOptions { MaxInitialTimestamp = -1 }, "maximum initial timestamp must be a finite number of seconds, 0 (no limit) or more; -1 was given" },
        { new DecodingOptions { MaxInitialTimestamp = double.NaN }, "maximum initial timestamp must be a finite number of seconds, 0 (no limit) or more; NaN was given" },
    };

    [Theory]
    [MemberData(nameof(Impossible))]
    public void An_impossible_option_is_refused_naming_it_and_its_value(DecodingOptions options, string reason)
    {
        var refusal = Assert.Throws<ArgumentException>(options.Validate);

        Assert.Equal("options", refusal.ParamName);
        Assert.Contains(reason, refusal.Message);
    }
}

using SpeechToText.Text;

namespace SpeechToText.Tests.Text;

public class EnglishTextNormalizerTests
{
    [Theory]
    [InlineData("Hello, World!", "hello world")]
    [InlineData("It's 3:45 — Dr. Smith & co. paid $1,250 (25%).", "it's three forty five doctor smith and co paid one thousand two hundred fifty dollars twenty five percent")]
    [InlineData("  'Quoted'  words -- and hyphen-ated ones ", "quoted words and hyphen ated ones")]
    [InlineData("Café naïve résumé", "cafe naive resume")]
    [InlineData("Call 5551234567 now", "call five five five one two three four five six seven now")]
    public void Writes_lower_case_words_with_numbers_and_symbols_spelled_out(string text, string expected) =>
        Assert.Equal(expected, EnglishTextNormalizer.Normalize(text));

    [Theory]
    [InlineData("the 4th time zone, the 60th meridian", "the fourth time zone the sixtieth meridian")]
    [InlineData("1st 2nd 3rd 5th 8th 9th 12th 19th 21st 100th 1,000th", "first second third fifth eighth ninth twelfth nineteenth twenty first one hundredth one thousandth")]
    [InlineData("in the 1960s and '70s", "in the nineteen sixties and seventies")]
    [InlineData("the 1900s, the 2000s, 100s of 6's", "the nineteen hundreds the two thousands hundreds of sixes")]
    [InlineData("5star 3rdly 10sec", "five star three rdly ten sec")]
    [InlineData("It costs $1, $300. Or £2.50 or €1.05", "it costs one dollar three hundred dollars or two pounds and fifty pence or one euro and five cents")]
    [InlineData("pi is 3.14, 2.5% of v1.2.3", "pi is three point one four two point five percent of v one two three")]
    [InlineData("She said no. Then No. 5 and no. 6, on the 21st. St. Paul", "she said no then number five and number six on the twenty first saint paul")]
    public void Spells_ordinals_plurals_decimals_and_money_as_words(string text, string expected) =>
        Assert.Equal(expected, EnglishTextNormalizer.Normalize(text));

    [Fact]
    public void Word_error_rate_counts_substitutions_deletions_and_insertions_over_reference_words()
    {
        Assert.Equal((0, 4), WordErrorRate.Count("The cat sat down.", "the cat sat down"));
        Assert.Equal((2, 4), WordErrorRate.Count("the cat sat down", "the hat sat"));
        Assert.Equal((1, 2), WordErrorRate.Count("hello world", "hello big world"));
        Assert.Equal(0.5, WordErrorRate.Of([("a b", "a c"), ("c d", "c d e")]), 9);
    }
}

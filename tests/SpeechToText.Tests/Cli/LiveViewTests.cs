using System.Text.RegularExpressions;
using SpeechToText.Cli.Commands;
using SpeechToText.Decoding;
using SpeechToText.Streaming;

namespace SpeechToText.Tests.Cli;

/// <summary>What stt live shows on a terminal: the current utterance on one row, rewritten in place.</summary>
public sealed partial class LiveViewTests
{
    const string Rewrite = "\r\u001b[K";

    /// <summary>The text of each row written, colours left out.</summary>
    static string[] Rows(string written) =>
        [.. written.Split(Rewrite, StringSplitOptions.RemoveEmptyEntries).Select(row => Colour().Replace(row, ""))];

    [GeneratedRegex("\u001b\\[[0-9]*m")]
    private static partial Regex Colour();

    /// <summary>A view <paramref name="columns"/> wide, shown <paramref name="words"/> committed one by one, then <paramref name="tentative"/>.</summary>
    static string[] Shown(int columns, string words, string tentative)
    {
        var output = new StringWriter();
        var view = new LiveCommand.LiveView(output, () => columns);
        double time = 0;
        foreach (string word in words.Split(' '))
        {
            view.Show(new CommittedText([new Word(time, time + 0.4, " " + word, 0.9)]));
            time += 0.5;
        }
        view.Show(new TentativeText(tentative, time, time + 0.4));
        return Rows(output.ToString());
    }

    [Fact]
    public void An_utterance_that_fits_is_shown_whole()
    {
        var rows = Shown(80, "the direction", " in which");

        Assert.Equal(["[00:00.00] the", "[00:00.00] the direction", "[00:00.00] the direction in which"], rows);
    }

    [Fact]
    public void An_utterance_too_long_for_the_row_shows_its_end_and_never_wraps()
    {
        var rows = Shown(30, "the direction in which a compass needle points", " north");

        Assert.All(rows, row => Assert.True(row.Length < 30, $"\"{row}\" is {row.Length} columns"));
        Assert.Equal("[00:00.00] ...le points north", rows[^1]);
    }

    [Fact]
    public void Tentative_text_alone_starts_after_the_time()
    {
        var output = new StringWriter();

        new LiveCommand.LiveView(output, () => 80).Show(new TentativeText(" the direction", 0.2, 1.0));

        Assert.Equal(["[00:00.20] the direction"], Rows(output.ToString()));
    }
}

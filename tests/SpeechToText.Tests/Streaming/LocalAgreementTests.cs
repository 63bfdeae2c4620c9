using SpeechToText.Decoding;
using SpeechToText.Streaming;

namespace SpeechToText.Tests.Streaming;

public sealed class LocalAgreementTests
{
    /// <summary>Words one per 0.5 s from <paramref name="start"/>: "a b c" gives a at start, b at start + 0.5, ...</summary>
    static List<Word> Words(string text, double start = 0) =>
        [.. text.Split(' ').Select((w, i) => new Word(start + 0.5 * i, start + 0.5 * i + 0.4, " " + w, 0.9))];

    static string Text(IEnumerable<Word> words) => string.Concat(words.Select(w => w.Text)).Trim();

    /// <summary>Gives <paramref name="agreement"/> each hypothesis in turn and returns every word committed.</summary>
    static List<Word> Feed(LocalAgreement agreement, params List<Word>[] hypotheses) =>
        [.. hypotheses.SelectMany(agreement.Update)];

    [Fact]
    public void A_first_hypothesis_commits_nothing_and_is_tentative()
    {
        var agreement = new LocalAgreement();

        Assert.Empty(agreement.Update(Words("the quick brown")));
        Assert.Equal("the quick brown", Text(agreement.Tentative));
        Assert.Equal(0, agreement.CommittedEnd);
    }

    [Fact]
    public void Two_hypotheses_commit_their_common_prefix_and_the_rest_stays_tentative()
    {
        var agreement = new LocalAgreement();
        agreement.Update(Words("the quick brown"));

        var committed = agreement.Update(Words("the quick frown fox"));

        Assert.Equal("the quick", Text(committed));
        Assert.Equal("frown fox", Text(agreement.Tentative));
        Assert.Equal(0.9, agreement.CommittedEnd, 9);
    }

    [Fact]
    public void Agreement_ignores_case_and_punctuation_and_keeps_the_newer_spelling()
    {
        var agreement = new LocalAgreement();
        agreement.Update(Words("hello world"));

        var committed = agreement.Update(Words("Hello, world."));

        Assert.Equal("Hello, world.", Text(committed));
    }

    [Fact]
    public void Committed_words_are_never_retracted_by_a_later_hypothesis()
    {
        var agreement = new LocalAgreement();
        var committed = Feed(agreement, Words("one two three"), Words("one two four"));

        committed.AddRange(Feed(agreement, Words("uno dos four five"), Words("uno dos four five")));

        Assert.Equal("one two four five", Text(committed));
    }

    [Fact]
    public void Words_of_audio_already_committed_are_dropped_from_a_hypothesis()
    {
        var agreement = new LocalAgreement();
        var before = Feed(agreement, Words("one two three"), Words("one two three four")); // one two three, ending at 1.4 s

        // The buffer still holds the committed audio: its words come again with the new ones.
        var committed = agreement.Update(Words("one two three four five"));

        Assert.Equal("one two three", Text(before));
        Assert.Equal("four", Text(committed));
        Assert.Equal("five", Text(agreement.Tentative));
    }

    [Fact]
    public void A_hypothesis_that_starts_by_repeating_the_committed_end_loses_the_repetition()
    {
        var agreement = new LocalAgreement();
        var before = Feed(agreement, Words("see the cat"), Words("see the cat sat")); // see the cat, ending at 1.4 s

        // After the buffer was cut, the decoder writes the last committed words again, timed just after them.
        var committed = agreement.Update(Words("the cat sat on", 1.5));

        Assert.Equal("see the cat", Text(before));
        Assert.Equal("sat", Text(committed));
        Assert.Equal("on", Text(agreement.Tentative));
    }

    [Fact]
    public void After_the_end_of_an_utterance_the_next_may_repeat_its_words()
    {
        var agreement = new LocalAgreement();
        agreement.Update(Words("thank you"));
        var first = agreement.EndUtterance(); // thank you, ending at 0.9 s

        var next = Feed(agreement, Words("thank you very much", 1.5), Words("thank you very much indeed", 1.5));

        Assert.Equal("thank you", Text(first));
        Assert.Equal("thank you very much", Text(next));
        Assert.Equal("indeed", Text(agreement.Tentative));
    }

    [Fact]
    public void Flush_commits_the_tentative_words()
    {
        var agreement = new LocalAgreement();
        var committed = Feed(agreement, Words("good"), Words("good morning all"));

        var flushed = agreement.Flush();

        Assert.Equal("good", Text(committed));
        Assert.Equal("morning all", Text(flushed));
        Assert.Empty(agreement.Tentative);
        Assert.Empty(agreement.Flush());
    }

    [Fact]
    public void Committed_words_never_start_before_the_previous_one_ends()
    {
        var agreement = new LocalAgreement();
        List<Word> overlapping = [new(0.0, 0.5, " one", 0.9), new(0.45, 0.9, " two", 0.9), new(0.95, 0.92, " three", 0.9)];

        var committed = Feed(agreement, overlapping, overlapping);

        Assert.Equal([(0.0, 0.5), (0.5, 0.9), (0.95, 0.95)], committed.Select(w => (w.Start, w.End)));
    }

    [Fact]
    public void Tentative_words_are_timed_after_the_committed_text_as_their_commit_will_be()
    {
        var agreement = new LocalAgreement();
        agreement.Update([new(0.0, 0.5, " one", 0.9), new(0.45, 0.9, " two", 0.9)]);

        agreement.Update([new(0.0, 0.5, " one", 0.9), new(0.45, 0.9, " too", 0.9)]); // commits one, ending at 0.5 s

        Assert.Equal([(0.5, 0.9)], agreement.Tentative.Select(w => (w.Start, w.End)));
        Assert.Equal(agreement.Tentative, agreement.Flush());
    }
}

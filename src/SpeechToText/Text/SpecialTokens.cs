namespace SpeechToText.Text;

/// <summary>
/// The ids of Whisper's special tokens. They follow the text tokens in a fixed order:
/// &lt;|endoftext|&gt;, &lt;|startoftranscript|&gt;, one token per language, &lt;|translate|&gt;,
/// &lt;|transcribe|&gt;, &lt;|startoflm|&gt;, &lt;|startofprev|&gt;, &lt;|nospeech|&gt;,
/// &lt;|notimestamps|&gt;, then the timestamps &lt;|0.00|&gt; .. &lt;|30.00|&gt; in 0.02 s steps.
/// A custom vocabulary may lack some of them (a model trained without timestamps, say): an absent
/// token has the id -1 (<see cref="Absent"/>); only &lt;|endoftext|&gt; and &lt;|startoftranscript|&gt; are required.
/// </summary>
/// <param name="EndOfText">&lt;|endoftext|&gt;: ends the transcript.</param>
/// <param name="StartOfTranscript">&lt;|startoftranscript|&gt;: starts the prompt.</param>
/// <param name="FirstLanguage">The first language token (&lt;|en|&gt;).</param>
/// <param name="LanguageCount">Language tokens.</param>
/// <param name="Translate">&lt;|translate|&gt;.</param>
/// <param name="Transcribe">&lt;|transcribe|&gt;.</param>
/// <param name="StartOfLm">&lt;|startoflm|&gt;.</param>
/// <param name="StartOfPrevious">&lt;|startofprev|&gt;: precedes the previous text in a prompt.</param>
/// <param name="NoSpeech">&lt;|nospeech|&gt;: its probability at the first step says whether the window is silent.</param>
/// <param name="NoTimestamps">&lt;|notimestamps|&gt;: asks for text without timestamps.</param>
/// <param name="TimestampBegin">&lt;|0.00|&gt;; timestamp i is TimestampBegin + i, for i·0.02 s.</param>
/// <param name="Multilingual">Whether the prompt carries language and task tokens.</param>
public sealed record SpecialTokens(
    int EndOfText, int StartOfTranscript, int FirstLanguage, int LanguageCount, int Translate, int Transcribe,
    int StartOfLm, int StartOfPrevious, int NoSpeech, int NoTimestamps, int TimestampBegin, bool Multilingual)
{
    /// <summary>The id of a special token the vocabulary does not have.</summary>
    public const int Absent = -1;

    /// <summary>Seconds per timestamp step.</summary>
    public const double SecondsPerTimestamp = 0.02;

    /// <summary>Timestamp tokens: &lt;|0.00|&gt; to &lt;|30.00|&gt;.</summary>
    public const int TimestampCount = 1501;

    const int EnglishOnlyVocabulary = 51864;
    const int LanguagesBeforeV3 = 99;

    /// <summary>The token of the language whose code is <paramref name="language"/> (en, de, fr, ...).</summary>
    /// <exception cref="ArgumentException">The code is unknown, or this vocabulary has no token for it.</exception>
    public int LanguageToken(string language)
    {
        int index = Languages.IndexOf(language);
        if (index < 0)
            throw new ArgumentException(Languages.Unknown(language), nameof(language));
        if (index >= LanguageCount)
            throw new ArgumentException($"The model has no token for the language \"{language}\" (its vocabulary has the first {LanguageCount} of Whisper's {Languages.Codes.Count} languages).", nameof(language));
        return FirstLanguage + index;
    }

    /// <summary>
    /// The standard layout for a Whisper vocabulary of <paramref name="vocabularySize"/> tokens (51864 English-only,
    /// 51865 multilingual, 51866 v3). Errors name <paramref name="source"/> (the checkpoint's file) when given.
    /// </summary>
    public static SpecialTokens ForVocabularySize(int vocabularySize, string? source = null)
    {
        bool multilingual = vocabularySize > EnglishOnlyVocabulary;
        int eot = multilingual ? 50257 : 50256;
        int languages = multilingual ? LanguagesBeforeV3 + (vocabularySize - EnglishOnlyVocabulary - 1) : LanguagesBeforeV3;
        CheckLanguageCount(languages, source);
        int sot = eot + 1;
        int translate = sot + 1 + languages;
        var tokens = new SpecialTokens(eot, sot, sot + 1, languages, translate, translate + 1, translate + 2, translate + 3,
            translate + 4, translate + 5, translate + 6, multilingual);
        if (tokens.TimestampBegin + TimestampCount != vocabularySize)
            throw new InvalidDataException($"{Prefix(source)}A vocabulary of {vocabularySize} tokens does not have Whisper's standard layout.");
        return tokens;
    }

    /// <summary>
    /// The layout a checkpoint states through its special tokens' names (added_tokens.json or vocab.json),
    /// for custom vocabularies; null unless it names at least &lt;|endoftext|&gt; and
    /// &lt;|startoftranscript|&gt;, so that the caller can fall back to <see cref="ForVocabularySize"/>.
    /// Language tokens are those between &lt;|startoftranscript|&gt; and &lt;|translate|&gt;. Timestamps
    /// that are not named but fill the vocabulary's last 1501 ids after &lt;|notimestamps|&gt; (as in
    /// older Hugging Face exports) are recognised. Errors name <paramref name="source"/> when given.
    /// </summary>
    public static SpecialTokens? FromNames(IReadOnlyDictionary<string, int> ids, bool multilingual, int vocabularySize, string? source = null)
    {
        int Id(params string[] names) => names.Select(n => ids.TryGetValue(n, out int id) ? id : Absent).FirstOrDefault(id => id != Absent, Absent);
        int eot = Id("<|endoftext|>"), sot = Id("<|startoftranscript|>"), translate = Id("<|translate|>");
        if (eot == Absent || sot == Absent)
            return null;
        int languages = translate == Absent ? 0 : Math.Max(0, translate - sot - 1);
        CheckLanguageCount(languages, source);
        int noTimestamps = Id("<|notimestamps|>"), timestamps = Id("<|0.00|>");
        if (timestamps == Absent && noTimestamps != Absent && vocabularySize - noTimestamps - 1 == TimestampCount)
            timestamps = noTimestamps + 1;
        return new SpecialTokens(eot, sot, languages > 0 ? sot + 1 : Absent, languages, translate, Id("<|transcribe|>"), Id("<|startoflm|>"),
            Id("<|startofprev|>"), Id("<|nospeech|>", "<|nocaptions|>"), noTimestamps, timestamps, multilingual && languages > 0);
    }

    /// <summary>Refuses more language tokens than Whisper has language codes: detection could pick one with no code.</summary>
    static void CheckLanguageCount(int languages, string? source)
    {
        if (languages > Languages.Codes.Count)
            throw new InvalidDataException($"{Prefix(source)}The vocabulary has {languages} language tokens; Whisper knows {Languages.Codes.Count} languages.");
    }

    static string Prefix(string? source) => source == null ? "" : source + ": ";

    /// <summary>Whether the vocabulary has timestamp tokens.</summary>
    public bool HasTimestamps => TimestampBegin != Absent;

    /// <summary>The special tokens the vocabulary has, other than timestamps and languages.</summary>
    public IEnumerable<int> Present =>
        new[] { EndOfText, StartOfTranscript, Translate, Transcribe, StartOfLm, StartOfPrevious, NoSpeech, NoTimestamps }.Where(t => t != Absent);

    /// <summary>Whether <paramref name="token"/> is a timestamp.</summary>
    public bool IsTimestamp(int token) => HasTimestamps && token >= TimestampBegin;

    /// <summary>The time in seconds of a timestamp token.</summary>
    public double SecondsOf(int timestamp) => (timestamp - TimestampBegin) * SecondsPerTimestamp;
}

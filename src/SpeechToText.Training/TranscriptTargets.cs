using SpeechToText.Decoding;
using SpeechToText.Text;

namespace SpeechToText.Training;

/// <summary>
/// What the decoder is taught to write for a transcript: the prompt it starts from
/// (&lt;|startoftranscript|&gt;, language and task for multilingual models, &lt;|notimestamps|&gt; where the
/// vocabulary has it) and the transcript's tokens. Character-level vocabularies (the bundled model's) get
/// the <see cref="EnglishTextNormalizer"/> form they were designed for; byte-pair vocabularies (real Whisper
/// models) get the text as written, after a space, as Whisper's own transcripts start.
/// </summary>
public sealed class TranscriptTargets
{
    const int LargestCharacterVocabulary = 256;
    readonly WhisperTokenizer _tokenizer;
    readonly bool _normalize;

    /// <summary>Targets for <paramref name="tokenizer"/>; <paramref name="language"/> is used by multilingual vocabularies.</summary>
    public TranscriptTargets(WhisperTokenizer tokenizer, int textContext, string language)
    {
        _tokenizer = tokenizer;
        _normalize = tokenizer.TextTokenCount <= LargestCharacterVocabulary;
        var special = tokenizer.Special;
        int? languageToken = special.Multilingual ? special.LanguageToken(language) : null;
        Prompt = new PromptBuilder(special, textContext).Build([], languageToken, DecodingTask.Transcribe, timestamps: false).Tokens;
    }

    /// <summary>The tokens every target starts after.</summary>
    public IReadOnlyList<int> Prompt { get; }

    /// <summary>The tokens of <paramref name="transcript"/> (without the prompt and &lt;|endoftext|&gt;).</summary>
    public IReadOnlyList<int> Encode(string transcript) =>
        _tokenizer.Encode(_normalize ? EnglishTextNormalizer.Normalize(transcript) : " " + transcript.Trim());
}

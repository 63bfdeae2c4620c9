using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Modeling;
using SpeechToText.Tests.Modeling;
using SpeechToText.Text;

namespace SpeechToText.Tests.Decoding;

/// <summary>
/// A model of the kind this project trains: a character vocabulary with only the special tokens it
/// needs (no timestamps, no languages), trained on unpadded audio.
/// </summary>
public sealed class CustomVocabularyModelTests : IDisposable
{
    internal const string Characters = " abcdefghijklmnopqrstuvwxyz'";
    readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>The tokenizer of a character model: space, a-z, apostrophe, then &lt;|endoftext|&gt; and &lt;|startoftranscript|&gt;.</summary>
    internal static WhisperTokenizer CharacterTokenizer()
    {
        var ranks = Characters.Select(c => new[] { (byte)c }).ToArray();
        var ids = new Dictionary<string, int> { ["<|endoftext|>"] = ranks.Length, ["<|startoftranscript|>"] = ranks.Length + 1 };
        var special = SpecialTokens.FromNames(ids, multilingual: false, vocabularySize: ranks.Length + 2)!;
        return WhisperTokenizer.FromRanks(ranks, special);
    }

    string WriteModel()
    {
        var tokenizer = CharacterTokenizer();
        var dims = new ModelDimensions(80, 1500, 32, 2, 1, Characters.Length + 2, 448, 32, 2, 1);
        using var model = WhisperModelTests.RandomModel(dims, 41);
        string directory = _temp.File("chars");
        HuggingFaceCheckpoint.Write(directory, dims, model.state_dict(), tokenizer, settings: new ModelSettings(VariableLengthAudio: true));
        return directory;
    }

    [Fact]
    public void The_layout_round_trips_through_a_hugging_face_directory()
    {
        string directory = WriteModel();
        using var checkpoint = HuggingFaceCheckpoint.Read(directory);

        var special = checkpoint.Tokenizer.Special;
        Assert.True(checkpoint.Settings.VariableLengthAudio);
        Assert.False(special.HasTimestamps);
        Assert.Equal((28, 29, SpecialTokens.Absent), (special.EndOfText, special.StartOfTranscript, special.NoTimestamps));
        Assert.Equal(new[] { 8, 5, 12, 12, 15 }, checkpoint.Tokenizer.Encode("hello"));
        Assert.Null(checkpoint.Tokenizer.TryEncode("Zürich"));
    }

    [Fact]
    public async Task Long_audio_is_transcribed_in_pieces_cut_at_pauses()
    {
        using var recognizer = SpeechRecognizer.Load(WriteModel());
        var audio = new List<float>();
        for (int i = 0; i < 5; i++)
        {
            audio.AddRange(TestAudio.Noise(16000 * 12, i));
            audio.AddRange(new float[16000]);
        }

        var segments = new List<Segment>();
        await foreach (var segment in recognizer.TranscribeAsync([.. audio], new DecodingOptions { Temperatures = [0.0], MaxTokensPerWindow = 8 }))
            segments.Add(segment);

        Assert.NotEmpty(segments);
        Assert.All(segments, s => Assert.InRange(s.End - s.Start, 0.01, 30.0));
        Assert.All(segments.Skip(1), s => Assert.InRange(s.Start % 13.0, 12.0, 13.0)); // pieces start in the pauses
        Assert.All(segments, s => Assert.DoesNotContain(s.Tokens, t => t >= 28));
    }
}

public class CharacterVocabularySuppressionTests
{
    [Fact]
    public void A_model_without_a_nospeech_token_may_end_at_once_which_is_how_it_says_no_speech()
    {
        var tokenizer = SpeechToText.Training.ModelRecipe.Tokenizer();
        var logits = new float[tokenizer.Special.StartOfTranscript + 1];

        SuppressBlank.For(tokenizer).Apply(logits, []);

        Assert.Equal(0, logits[tokenizer.Special.EndOfText]);
        Assert.Equal(float.NegativeInfinity, logits[tokenizer.Encode(" ")[0]]);
    }

    [Fact]
    public void Suppression_never_removes_letters_spaces_or_apostrophes_of_a_character_vocabulary()
    {
        var tokenizer = SpeechToText.Training.ModelRecipe.Tokenizer();
        Assert.Empty(SuppressTokens.NonSpeechTokens(tokenizer));
        Assert.Equal(new[] { tokenizer.Special.StartOfTranscript }, SuppressTokens.Default(tokenizer).Tokens);
    }
}

namespace SpeechToText.Text;

/// <summary>
/// GPT-2's BPE ranks (tiktoken's r50k_base, as embedded in the SharpToken package): the text vocabulary of
/// Whisper's English-only models, used when a checkpoint carries no tokenizer files.
/// </summary>
public static class Gpt2Ranks
{
    const string Resource = "SharpToken.data.r50k_base.tiktoken";
    const int TextTokens = 50256;

    static readonly Lazy<byte[][]> Ranks = new(Load);

    /// <summary>The 50,256 text tokens' bytes in rank order.</summary>
    public static IReadOnlyList<byte[]> Tokens => Ranks.Value;

    static byte[][] Load()
    {
        using var stream = typeof(SharpToken.GptEncoding).Assembly.GetManifestResourceStream(Resource)
            ?? throw new InvalidOperationException($"The SharpToken package lacks its {Resource} resource.");
        using var reader = new StreamReader(stream);
        var ranks = new byte[TextTokens][];
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[1], out int rank) && rank >= 0 && rank < TextTokens)
                ranks[rank] = Convert.FromBase64String(parts[0]);
        }
        return Array.Exists(ranks, r => r == null)
            ? throw new InvalidOperationException($"{Resource} does not list all {TextTokens} GPT-2 ranks.")
            : ranks;
    }
}

namespace SpeechToText.Decoding;

/// <summary>A timed piece of the transcript.</summary>
/// <param name="Start">Start in seconds from the beginning of the audio.</param>
/// <param name="End">End in seconds.</param>
/// <param name="Text">The text, as the model wrote it (usually with a leading space).</param>
/// <param name="Tokens">The segment's tokens, timestamps included.</param>
/// <param name="Probabilities">The probability of each token when it was chosen.</param>
/// <param name="AverageLogProbability">Average log-probability of the window's tokens.</param>
/// <param name="NoSpeechProbability">Probability of &lt;|nospeech|&gt; at the window's start.</param>
/// <param name="Temperature">The temperature the window was decoded at.</param>
/// <param name="CompressionRatio">Gzip compression ratio of the window's text.</param>
/// <param name="Words">The segment's timed words, when word timestamps were asked for (<see cref="DecodingOptions.WordTimestamps"/>).</param>
/// <param name="Language">The language it was transcribed in (given, or detected from the first window).</param>
public sealed record Segment(
    double Start, double End, string Text, IReadOnlyList<int> Tokens, IReadOnlyList<float> Probabilities,
    double AverageLogProbability, double NoSpeechProbability, double Temperature, double CompressionRatio,
    IReadOnlyList<Word>? Words = null, string? Language = null);

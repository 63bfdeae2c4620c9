namespace SpeechToText.Decoding;

/// <summary>A timed word of a transcript.</summary>
/// <param name="Start">Start in seconds from the beginning of the audio.</param>
/// <param name="End">End in seconds.</param>
/// <param name="Text">The word as the model wrote it, with its leading space if it has one.</param>
/// <param name="Probability">The mean probability of the word's tokens.</param>
public sealed record Word(double Start, double End, string Text, double Probability);

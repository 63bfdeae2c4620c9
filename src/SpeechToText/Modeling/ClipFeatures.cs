using SpeechToText.Features;

namespace SpeechToText.Modeling;

/// <summary>
/// The encoder's input for one clip no longer than the model's window: for a model trained on
/// variable-length audio, the clip's own log-mel frames (at most a window); otherwise a full window, the
/// clip followed by log-mel silence, as the model was trained.
/// </summary>
public static class ClipFeatures
{
    /// <summary>Row-major [mel bins, <c>Frames</c>] values for <paramref name="samples"/> (16 kHz mono).</summary>
    public static (float[] Values, int Frames) Of(WhisperModel model, ReadOnlySpan<float> samples)
    {
        int bins = model.Dimensions.MelBins, window = 2 * model.Dimensions.AudioContext;
        var mel = LogMelSpectrogram.Compute(samples, bins, model.VariableLengthAudio ? 0 : LogMelSpectrogram.WindowSamples);
        return model.VariableLengthAudio && mel.Frames <= window ? (mel.Values, mel.Frames) : (mel.Window(0, window, window), window);
    }
}

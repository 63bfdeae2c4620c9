using SpeechToText.Features;

namespace SpeechToText.Modeling;

/// <summary>
/// The encoder's input for audio no longer than the model's window: for a model trained on variable-length
/// audio, the audio's own log-mel frames followed by a tail of zero frames (see <see cref="VariableLengthTail"/>);
/// otherwise a full window, the audio followed by log-mel silence, as the model was trained.
/// </summary>
public static class ClipFeatures
{
    /// <summary>
    /// Zero frames after the audio of a variable-length model, as a fraction of the audio's frames. Such a model
    /// is trained on batches zero-padded to their longest utterance and learns to end its transcript where the
    /// zeros begin; given its audio alone, it runs on past the end of the speech. Measured on the bundled model
    /// (step 3,288; `stt evaluate` on corpus v2, first 50 utterances of each test split): WER 95.7% (training
    /// voices) and 163.5% (held-out voices) without a tail, 33.9% and 80.3% with half the audio's length, 34.1%
    /// and 79.7% with all of it.
    /// </summary>
    public const double VariableLengthTail = 0.5;

    /// <summary>
    /// Frames of encoder input for <paramref name="frames"/> frames of audio in a window of <paramref name="window"/>
    /// frames: the audio and its tail for a variable-length model (within the window), else the whole window.
    /// </summary>
    public static int Width(WhisperModel model, int frames, int window) =>
        model.VariableLengthAudio ? Math.Min(window, frames + (int)Math.Ceiling(frames * VariableLengthTail)) : window;

    /// <summary>The most audio frames a window of <paramref name="window"/> frames takes, leaving room for the tail.</summary>
    public static int MaxAudioFrames(WhisperModel model, int window) =>
        model.VariableLengthAudio ? (int)(window / (1 + VariableLengthTail)) : window;

    /// <summary>
    /// Row-major [mel bins, <c>Frames</c>] values for <paramref name="samples"/> (16 kHz mono). Without
    /// <paramref name="tail"/>, a variable-length model gets its audio's frames alone (training batches, whose
    /// padding to the longest utterance is the cue the tail reproduces).
    /// </summary>
    public static (float[] Values, int Frames) Of(WhisperModel model, ReadOnlySpan<float> samples, bool tail = true)
    {
        int bins = model.Dimensions.MelBins, window = 2 * model.Dimensions.AudioContext;
        var mel = LogMelSpectrogram.Compute(samples, bins, model.VariableLengthAudio ? 0 : LogMelSpectrogram.WindowSamples);
        int frames = Math.Min(mel.Frames, window), width = tail || !model.VariableLengthAudio ? Width(model, frames, window) : frames;
        return (mel.Window(0, frames, width), width);
    }
}

using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SpeechToText.Training;

/// <summary>Every hyperparameter of a training run, with the values the bundled model was trained with.</summary>
public sealed record TrainingOptions
{
    /// <summary>The corpus: a directory built by <see cref="Corpus.Build"/> or a manifest file (see <see cref="Corpus.Read"/>).</summary>
    public required string CorpusDirectory { get; init; }

    /// <summary>
    /// A checkpoint to fine-tune (Hugging Face directory or ggml file) instead of training the bundled recipe
    /// from scratch; its dimensions and tokenizer are kept, and the loss is cross-entropy only.
    /// </summary>
    public string? InitialModel { get; init; }

    /// <summary>The language of the transcripts, for multilingual models' prompts.</summary>
    public string Language { get; init; } = "en";

    /// <summary>Where checkpoints, logs and the loss plot go; a run resumes from a checkpoint found here.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Optimiser steps in the whole schedule (the run may stop earlier at <see cref="TimeLimit"/>).</summary>
    public int Steps { get; init; } = 8000;

    /// <summary>Stop (and save) after this much wall time.</summary>
    public TimeSpan? TimeLimit { get; init; }

    /// <summary>AdamW peak learning rate, reached after <see cref="WarmupSteps"/>, then cosine decay to a tenth.</summary>
    public double PeakLearningRate { get; init; } = 2e-3;

    /// <summary>
    /// The step where the cosine decay begins (the rate stays at its peak until then); null: at the end of the
    /// warm-up. A resumed run anneals over its own steps with the decay starting where it resumes.
    /// </summary>
    public int? DecayFrom { get; init; }

    /// <summary>Linear warm-up steps.</summary>
    public int WarmupSteps { get; init; } = 300;

    /// <summary>AdamW weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>Gradient norm clipping.</summary>
    public double ClipNorm { get; init; } = 1.0;

    /// <summary>Batch size × longest utterance, in mel frames (12000 = 120 s of audio per batch).</summary>
    public int MaxBatchFrames { get; init; } = 12000;

    /// <summary>Gradient accumulation: optimiser steps every this many batches.</summary>
    public int Accumulate { get; init; } = 1;

    /// <summary>Weight of the auxiliary CTC loss on the encoder (the rest is the decoder's cross-entropy).</summary>
    public double CtcWeight { get; init; } = 0.5;

    /// <summary>Probability that a training example is two utterances joined (longer audio and text positions).</summary>
    public double JoinProbability { get; init; } = 0.2;

    /// <summary>
    /// Share of training examples replaced by sound without speech (<see cref="NoSpeech"/>) as long as the utterance it
    /// replaces, to be transcribed as nothing: the model learns to write no words for noise, hum and clicks (the bundled
    /// model trained without it up to step 29142).
    /// </summary>
    public double NoSpeechShare { get; init; }

    /// <summary>
    /// Whether every example (training and validation) ends with the tail of zero frames that inference appends to
    /// a variable-length model's audio (<see cref="Modeling.ClipFeatures.VariableLengthTail"/>), so that the
    /// end-of-audio cue is the same in training and inference; otherwise only its batch's padding follows it, which
    /// for the longest example of a batch is none (the bundled model trained so up to step 26600).
    /// </summary>
    public bool EndOfAudioTail { get; init; }

    /// <summary>
    /// Whether each training example's spectrum is coloured by a random smooth envelope (<see cref="SpectralColouring"/>):
    /// other timbres, microphones and rooms than the synthesisers' (the bundled model trained without it).
    /// </summary>
    public bool SpectralColouring { get; init; }

    /// <summary>Validate (and save) every this many steps.</summary>
    public int ValidateEvery { get; init; } = 500;

    /// <summary>Validation utterances (from the seen-voices test split).</summary>
    public int ValidationUtterances { get; init; } = 80;

    /// <summary>Model width.</summary>
    public int Width { get; init; } = 256;

    /// <summary>
    /// Width to widen a resumed or fine-tuned model to, in heads of its heads' size (see <see cref="ModelWidening"/>):
    /// it computes nearly what it did, with more channels to learn in, and the AdamW moments restart. Null, or the width it
    /// has: unchanged.
    /// </summary>
    public int? WidenTo { get; init; }

    /// <summary>Encoder blocks.</summary>
    public int EncoderLayers { get; init; } = 4;

    /// <summary>
    /// Encoder blocks to deepen a resumed or fine-tuned model to: blocks that start as the identity are appended
    /// (see <see cref="ModelDeepening"/>), and the AdamW moments restart. Null, or the blocks it has: unchanged.
    /// </summary>
    public int? DeepenEncoderTo { get; init; }

    /// <summary>Decoder blocks.</summary>
    public int DecoderLayers { get; init; } = 2;

    /// <summary>
    /// Decoder blocks to deepen a resumed or fine-tuned model to: blocks that start as the identity are appended
    /// (see <see cref="ModelDeepening"/>), and the AdamW moments restart. Null, or the blocks it has: unchanged.
    /// </summary>
    public int? DeepenDecoderTo { get; init; }

    /// <summary>Seed of initialisation, batching and augmentation.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// Checks that a run with these options can train (before anything is loaded, so that a bad value cannot
    /// damage a run being resumed: a negative accumulation would climb the loss, a NaN rate would save NaN weights).
    /// </summary>
    /// <exception cref="ArgumentException">A value is impossible; the message names it and the value given.</exception>
    public void Validate()
    {
        if (Steps < 1)
            throw Invalid($"The schedule needs at least 1 step; {Steps} was given.");
        if (TimeLimit is { } limit && limit <= TimeSpan.Zero)
            throw Invalid($"The time limit must be positive; {limit} was given.");
        if (!(PeakLearningRate > 0) || double.IsInfinity(PeakLearningRate))
            throw Invalid($"The learning rate must be a positive number; {PeakLearningRate} was given.");
        if (DecayFrom is { } decayFrom && (decayFrom < 0 || decayFrom >= Steps))
            throw Invalid($"The decay must start at a step from 0 to before the schedule's end ({Steps}); {decayFrom} was given.");
        if (WarmupSteps < 0)
            throw Invalid($"The warm-up steps must be 0 or more; {WarmupSteps} was given.");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw Invalid($"The weight decay must be a finite number, 0 or more; {WeightDecay} was given.");
        if (!(ClipNorm > 0) || double.IsInfinity(ClipNorm))
            throw Invalid($"The gradient clipping norm must be a positive number; {ClipNorm} was given.");
        if (MaxBatchFrames < 1)
            throw Invalid($"The batch frames must be at least 1; {MaxBatchFrames} was given.");
        if (Accumulate < 1)
            throw Invalid($"The batches per optimiser step (accumulation) must be at least 1; {Accumulate} was given.");
        if (!(CtcWeight is >= 0 and <= 1))
            throw Invalid($"The CTC loss's weight must be from 0 to 1; {CtcWeight} was given.");
        if (!(JoinProbability is >= 0 and <= 1))
            throw Invalid($"The probability of joining utterances must be from 0 to 1; {JoinProbability} was given.");
        if (!(NoSpeechShare is >= 0 and < 1))
            throw Invalid($"The share of examples without speech must be at least 0 and below 1; {NoSpeechShare} was given.");
        if (ValidateEvery < 1)
            throw Invalid($"Validation must come every 1 step or more; {ValidateEvery} was given.");
        if (ValidationUtterances < 1)
            throw Invalid($"Validation needs at least 1 utterance; {ValidationUtterances} was given.");
        if (Width < 64 || Width % 64 != 0)
            throw Invalid($"The model width must be a positive multiple of 64 (heads of 64); {Width} was given.");
        if (EncoderLayers < 1 || DecoderLayers < 1)
            throw Invalid($"The encoder and the decoder need at least 1 block each; {EncoderLayers} and {DecoderLayers} were given.");
        if (WidenTo is < 1)
            throw Invalid($"The model cannot be widened to {WidenTo}.");
        if (DeepenEncoderTo is < 1)
            throw Invalid($"The encoder cannot be deepened to {DeepenEncoderTo} blocks.");
        if (DeepenDecoderTo is < 1)
            throw Invalid($"The decoder cannot be deepened to {DeepenDecoderTo} blocks.");
    }

    [SuppressMessage("Usage", "CA2208", Justification = "The options are the trainer's parameter \"options\"; the command line reports that parameter's errors as usage errors.")]
    internal static ArgumentException Invalid(FormattableString message) => new(message.ToString(CultureInfo.InvariantCulture), "options");
}

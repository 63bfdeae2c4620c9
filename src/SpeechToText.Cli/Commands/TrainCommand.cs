using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.Logging;
using SpeechToText.Checkpoints;
using SpeechToText.Training;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt train CORPUS OUT [--init MODEL]</c>: trains the bundled model's recipe, or fine-tunes a checkpoint; resumes from OUT.</summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var corpus = new Argument<string>("corpus") { Description = "A corpus built by stt corpus, or a manifest TSV (columns path, text; optional split)" };
        var destination = new Argument<string>("output") { Description = "Checkpoints, logs and the loss plot; an existing run here is resumed" };
        var defaults = new TrainingOptions { CorpusDirectory = "", OutputDirectory = "" };
        var steps = new Option<int>("--steps") { Description = "Steps of the learning-rate schedule", DefaultValueFactory = _ => defaults.Steps };
        var minutes = new Option<double?>("--minutes") { Description = "Stop and save after this many minutes" };
        var learningRate = new Option<double>("--lr") { Description = "Peak learning rate", DefaultValueFactory = _ => defaults.PeakLearningRate };
        var decayFrom = new Option<int?>("--decay-from") { Description = "Step where the cosine decay begins (default: the end of the warm-up)" };
        var batchFrames = new Option<int>("--batch-frames") { Description = "Batch size x longest utterance, in 10 ms frames", DefaultValueFactory = _ => defaults.MaxBatchFrames };
        var accumulate = new Option<int>("--accumulate") { Description = "Batches per optimiser step", DefaultValueFactory = _ => defaults.Accumulate };
        var width = new Option<int>("--width") { Description = "Model width (heads = width / 64)", DefaultValueFactory = _ => defaults.Width };
        var encoderLayers = new Option<int>("--encoder-layers") { DefaultValueFactory = _ => defaults.EncoderLayers };
        var widen = new Option<int?>("--widen")
        {
            Description = "Widen a resumed or fine-tuned model to this width (heads of the same size); it computes nearly what it did",
        };
        var deepenEncoder = new Option<int?>("--deepen-encoder")
        {
            Description = "Deepen a resumed or fine-tuned model's encoder to this many blocks; the new ones start as the identity",
        };
        var deepenDecoder = new Option<int?>("--deepen-decoder")
        {
            Description = "Deepen a resumed or fine-tuned model's decoder to this many blocks; the new ones start as the identity",
        };
        var endTail = new Option<bool>("--end-tail")
        {
            Description = "End every example with the zero frames inference appends after the audio (else only its batch's padding follows it)",
        };
        var colouring = new Option<bool>("--spectral-colouring")
        {
            Description = "Colour every training example's spectrum with a random smooth envelope (up to ±9 dB): other timbres, microphones and rooms",
        };
        var noSpeech = new Option<double>("--no-speech-share")
        {
            Description = "Share of training examples replaced by noise, hum or clicks without speech, to be transcribed as nothing (e.g. 0.05)",
        };
        var decoderLayers = new Option<int>("--decoder-layers") { DefaultValueFactory = _ => defaults.DecoderLayers };
        var validateEvery = new Option<int>("--validate-every") { DefaultValueFactory = _ => defaults.ValidateEvery };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => defaults.Seed };
        var initial = new Option<string?>("--init") { Description = "Fine-tune this model (path or name) instead of training the bundled recipe from scratch" };
        var language = new Option<string>("--language") { Description = "Language of the transcripts (multilingual models)", DefaultValueFactory = _ => defaults.Language };
        var command = new Command("train", "Train the bundled model's recipe (hybrid CTC/attention) or fine-tune a model, with AdamW")
        {
            corpus, destination, initial, language, steps, minutes, learningRate, decayFrom, batchFrames, accumulate, width, widen, encoderLayers, deepenEncoder, decoderLayers, deepenDecoder, endTail, colouring, noSpeech,
            validateEvery, seed,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, loggers =>
        {
            var options = new TrainingOptions
            {
                CorpusDirectory = parsed.GetValue(corpus)!,
                OutputDirectory = parsed.GetValue(destination)!,
                InitialModel = parsed.GetValue(initial) is { } model ? ModelRegistry.Resolve(model) : null,
                Language = parsed.GetValue(language)!,
                Steps = parsed.GetValue(steps),
                TimeLimit = parsed.GetValue(minutes) is { } m ? TimeLimit(m) : null,
                PeakLearningRate = parsed.GetValue(learningRate),
                DecayFrom = parsed.GetValue(decayFrom),
                MaxBatchFrames = parsed.GetValue(batchFrames),
                Accumulate = parsed.GetValue(accumulate),
                Width = parsed.GetValue(width),
                WidenTo = parsed.GetValue(widen),
                EncoderLayers = parsed.GetValue(encoderLayers),
                DeepenEncoderTo = parsed.GetValue(deepenEncoder),
                DecoderLayers = parsed.GetValue(decoderLayers),
                DeepenDecoderTo = parsed.GetValue(deepenDecoder),
                EndOfAudioTail = parsed.GetValue(endTail),
                SpectralColouring = parsed.GetValue(colouring),
                NoSpeechShare = parsed.GetValue(noSpeech),
                ValidateEvery = parsed.GetValue(validateEvery),
                Seed = parsed.GetValue(seed),
            };
            var bar = new ProgressBar(error);
            new Trainer(options, loggers.CreateLogger("train")).Run(
                new SynchronousProgress<TrainingProgress>(p => bar.Report(string.Create(CultureInfo.InvariantCulture, $"train (loss {p.Loss:F3})"), p.Step, p.Steps, "steps")),
                cancellation);
            bar.Finish();
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }

    static TimeSpan TimeLimit(double minutes) => minutes > 0 && minutes < TimeSpan.MaxValue.TotalMinutes
        ? TimeSpan.FromMinutes(minutes)
        : throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--minutes must be a positive number, not {minutes}"));
}

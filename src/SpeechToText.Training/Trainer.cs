using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using SpeechToText.Audio;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Features;
using SpeechToText.Modeling;
using SpeechToText.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpeechToText.Training;

/// <summary>Where a training run stands: the steps done of the schedule's, and the last batch's loss.</summary>
public sealed record TrainingProgress(int Step, int Steps, double Loss);

/// <summary>
/// Trains a Whisper model on a corpus (see <see cref="Corpus.Read"/>): from scratch, the bundled model's
/// recipe (<see cref="ModelRecipe"/>) with a hybrid CTC and attention loss; or, given
/// <see cref="TrainingOptions.InitialModel"/>, fine-tuning an existing checkpoint with cross-entropy.
/// Batches of utterances grouped by duration (unpadded for models trained on variable-length audio, 30 s
/// windows otherwise), augmentation, AdamW with warm-up and cosine decay, gradient clipping, periodic
/// validation (WER) and checkpoints, resumable.
/// </summary>
public sealed class Trainer(TrainingOptions options, ILogger logger)
{
    const string ModelDirectory = "model", StateFile = "training_state.json", LogFile = "train_log.tsv", ValidationFile = "validation.tsv";
    const string MomentsFile = "optimizer.safetensors";

    /// <summary>
    /// The step where the learning rate's cosine decay begins, found once the options are checked: a trainer is
    /// never made with impossible options (<see cref="TrainingOptions.Validate"/> throws first).
    /// </summary>
    readonly int decayFrom = DecayStart(options);

    internal sealed record Example(string Text, float[] Samples);

    /// <summary>A batch ready for the model: augmented log-mel features ([mel bins, frames] each) and their target tokens.</summary>
    sealed record PreparedBatch(List<(float[] Values, int Frames)> Features, List<IReadOnlyList<int>> Texts, double AudioSeconds);

    sealed record TrainingState(int Step, double Seconds);

    /// <summary>What is trained: the model, its tokenizer, the CTC head of a hybrid run (none when fine-tuning), and where it stands.</summary>
    sealed record Trainee(WhisperModel Model, WhisperTokenizer Tokenizer, Linear? CtcHead, TrainingState State) : IDisposable
    {
        public void Dispose()
        {
            Model.Dispose();
            CtcHead?.Dispose();
        }
    }

    /// <summary>
    /// Runs training until the schedule ends, the time limit passes, or <paramref name="cancellation"/> fires;
    /// <paramref name="progress"/> hears of every step.
    /// </summary>
    /// <exception cref="InvalidDataException">The corpus has no usable training utterance, or a checkpoint cannot be read.</exception>
    /// <exception cref="IOException">The output directory is a file.</exception>
    /// <exception cref="ArgumentException">Examples without speech asked for a model with &lt;|nospeech|&gt; (a usage error).</exception>
    public void Run(IProgress<TrainingProgress>? progress = null, CancellationToken cancellation = default)
    {
        TorchRuntime.EnsureAvailable();
        if (File.Exists(options.OutputDirectory))
            throw new IOException($"{options.OutputDirectory}: is a file, not a run directory");
        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);
        using var trainee = Start();
        var (model, tokenizer, ctcHead, state) = trainee;
        if (options.NoSpeechShare > 0 && tokenizer.Special.NoSpeech != SpecialTokens.Absent)
            throw TrainingOptions.Invalid($"Examples without speech teach a model to end its transcript at once; a Whisper model says \"no speech\" with <|nospeech|> instead, which they do not teach: fine-tune it with no share of them.");
        var targets = new TranscriptTargets(tokenizer, (int)model.Decoder.Context, options.Language);
        var (train, validation) = Splits(model, targets);
        logger.LogInformation("{Train} training utterances ({Hours:F1} h), {Validation} for validation", train.Count, train.Sum(u => u.Seconds) / 3600, validation.Count);

        var parameters = model.parameters().Concat(ctcHead?.parameters() ?? []).ToList();
        using var optimizer = new AdamWOptimizer(parameters, options.PeakLearningRate, 0.9, 0.98, 1e-8, options.WeightDecay);
        int warmUpFrom = Resume(optimizer, state.Step);
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.Seconds;
        int step = state.Step;
        OutputDirectory.Create(options.OutputDirectory); // only now: a corpus or checkpoint refused leaves no empty run behind
        using var log = new StreamWriter(Path.Combine(options.OutputDirectory, LogFile), append: true);
        if (log.BaseStream.Length == 0)
            log.WriteLine("step\tseconds\tloss\tctc\tcross_entropy\tlearning_rate\taudio_seconds");

        // Batches are prepared between steps (the examples of one in parallel): preparing the next batch on
        // another thread during a step gained nothing on 2 cores (28.7 against 29.1 s of audio per second,
        // measured), libtorch using both.
        foreach (var batch in PreparedBatches(model, targets, train, random))
        {
            if (step >= options.Steps || cancellation.IsCancellationRequested || TimeUp(clock, secondsBefore))
                break;
            model.train();
            double learningRate = LearningRate(step, warmUpFrom);
            optimizer.LearningRate = learningRate;
            var (loss, ctc, crossEntropy) = Step(model, ctcHead, tokenizer, targets.Prompt, batch);
            if ((step + 1) % options.Accumulate == 0)
            {
                nn.utils.clip_grad_norm_(parameters, options.ClipNorm);
                optimizer.Step();
                optimizer.ZeroGrad();
            }
            step++;
            progress?.Report(new TrainingProgress(step, options.Steps, loss));
            double seconds = secondsBefore + clock.Elapsed.TotalSeconds;
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{step}\t{seconds:F1}\t{loss:F4}\t{ctc:F4}\t{crossEntropy:F4}\t{learningRate:E3}\t{batch.AudioSeconds:F1}"));
            if (step % 50 == 0)
            {
                log.Flush();
                logger.LogInformation("step {Step}: loss {Loss:F3} (ctc {Ctc:F3}, ce {Ce:F3}), lr {Lr:E2}, {Seconds:F0} s",
                    step, loss, ctc, crossEntropy, learningRate, seconds);
            }
            if (step % options.ValidateEvery == 0)
            {
                Validate(trainee, targets, validation, step);
                Save(trainee with { State = new TrainingState(step, seconds) }, optimizer);
            }
        }
        if (step % options.ValidateEvery != 0 || step == state.Step)
        {
            // Not just validated and saved inside the loop (or nothing ran): do it now.
            Validate(trainee, targets, validation, step);
            Save(trainee with { State = new TrainingState(step, secondsBefore + clock.Elapsed.TotalSeconds) }, optimizer);
        }
        LossPlot.Write(Path.Combine(options.OutputDirectory, LogFile), Path.Combine(options.OutputDirectory, "loss.png"));
    }

    /// <summary>
    /// A resumed run continues with the AdamW moments saved beside its checkpoint. Returns the step from which
    /// the learning rate warms up: 0 (the schedule's own warm-up only) when there was nothing to resume or the
    /// moments were restored; else the resumed step, as moments restarted from zero need a new warm-up.
    /// </summary>
    int Resume(AdamWOptimizer optimizer, int step)
    {
        if (step == 0)
            return 0;
        string? why = OptimizerMoments.TryRestore(optimizer, Path.Combine(options.OutputDirectory, MomentsFile));
        if (why == null)
        {
            logger.LogInformation("optimiser moments restored");
            return 0;
        }
        logger.LogInformation("optimiser moments restart ({Why}); the learning rate warms up again", why);
        return step;
    }

    bool TimeUp(Stopwatch clock, double secondsBefore) =>
        options.TimeLimit is { } limit && clock.Elapsed.TotalSeconds >= limit.TotalSeconds;

    /// <summary>One training batch: the losses, back-propagated.</summary>
    (double Loss, double Ctc, double CrossEntropy) Step(WhisperModel model, Linear? ctcHead, WhisperTokenizer tokenizer, IReadOnlyList<int> prompt, PreparedBatch prepared)
    {
        using var scope = NewDisposeScope();
        var (loss, ctc, crossEntropy) = Losses(model, ctcHead, tokenizer, prompt, prepared);
        loss.Times(1.0 / options.Accumulate).backward();
        return (loss.item<float>(), ctc?.item<float>() ?? double.NaN, crossEntropy.item<float>());
    }

    /// <summary>Encoder, CTC head (hybrid runs) and decoder on one batch: the weighted loss and its parts (CTC null without a head).</summary>
    (Tensor Loss, Tensor? Ctc, Tensor CrossEntropy) Losses(WhisperModel model, Linear? ctcHead, WhisperTokenizer tokenizer, IReadOnlyList<int> prompt, PreparedBatch prepared)
    {
        var features = prepared.Features;
        int bins = model.Dimensions.MelBins;
        int frames = features.Max(f => f.Frames) + 1 & ~1;
        var batch = new float[features.Count * bins * frames];
        for (int b = 0; b < features.Count; b++)
            for (int m = 0; m < bins; m++)
                Array.Copy(features[b].Values, m * features[b].Frames, batch, (b * bins + m) * frames, features[b].Frames);
        var audio = model.Encoder.Forward(torch.tensor(batch, [features.Count, bins, frames]));

        var texts = prepared.Texts;
        Tensor? ctc = null;
        if (ctcHead != null)
        {
            var logProbabilities = nn.functional.log_softmax(ctcHead.call(audio), -1).transpose(0, 1);
            var targets = torch.tensor(texts.SelectMany(t => t).Select(t => (long)t).ToArray());
            var inputLengths = torch.tensor(features.Select(f => (long)(f.Frames + 1) / 2).ToArray());
            var targetLengths = torch.tensor(texts.Select(t => (long)t.Count).ToArray());
            ctc = nn.functional.ctc_loss(logProbabilities, targets, inputLengths, targetLengths, blank: tokenizer.TextTokenCount, zero_infinity: true);
        }

        // Teacher forcing: the decoder reads prompt + text and is scored on text + <|endoftext|>.
        int length = prompt.Count + texts.Max(t => t.Count);
        var input = new long[texts.Count * length];
        var output = new long[texts.Count * length];
        var weights = new float[texts.Count * length]; // 0 where nothing is scored
        float emptyWeight = (float)EmptyTranscriptWeight(texts);
        Array.Fill(input, tokenizer.Special.EndOfText);
        for (int b = 0; b < texts.Count; b++)
        {
            int[] sequence = [.. prompt, .. texts[b], tokenizer.Special.EndOfText];
            for (int j = 0; j + 1 < sequence.Length; j++)
            {
                input[b * length + j] = sequence[j];
                if (j + 1 >= prompt.Count)
                    (output[b * length + j], weights[b * length + j]) = (sequence[j + 1], texts[b].Count == 0 ? emptyWeight : 1);
            }
        }
        using var cross = model.Decoder.CrossAttention(audio);
        using var cache = new DecoderCache(model.Decoder.Layers);
        var logits = model.Decoder.Forward(torch.tensor(input, [texts.Count, length]), cross, cache);
        var perToken = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), torch.tensor(output), reduction: nn.Reduction.None);
        var weight = torch.tensor(weights);
        var crossEntropy = perToken.mul(weight).sum().div(weight.sum());

        var loss = ctc is null ? crossEntropy : ctc.Times(options.CtcWeight).Plus(crossEntropy.Times(1 - options.CtcWeight));
        return (loss, ctc, crossEntropy);
    }

    /// <summary>
    /// The cross-entropy weight of the one target of a transcript without text (its &lt;|endoftext|&gt;): the mean
    /// targets of the batch's other transcripts (their tokens and end), so that an example without speech counts as
    /// much as one with; scored as one token among thousands, it would barely be learnt. 1 when every one is empty.
    /// </summary>
    internal static double EmptyTranscriptWeight(IReadOnlyList<IReadOnlyList<int>> texts) =>
        texts.Where(t => t.Count > 0).Select(t => t.Count + 1.0).DefaultIfEmpty(1).Average();

    /// <summary>
    /// Endless epochs of prepared batches; all of the run's randomness after initialisation is drawn here, in
    /// order. Each example draws from a generator of its own, seeded in turn from the run's, so that the
    /// examples of a batch are prepared in parallel (libtorch waits meanwhile, so every core is free) and a
    /// run still repeats exactly.
    /// </summary>
    IEnumerable<PreparedBatch> PreparedBatches(WhisperModel model, TranscriptTargets targets, List<Utterance> train, Random random)
    {
        int maxFrames = MaxFrames(model);
        while (true)
        {
            foreach (var batch in Batches(model, train, random))
            {
                var seeds = batch.Select(_ => random.Next()).ToArray();
                var examples = new Example[batch.Count];
                var features = new (float[] Values, int Frames)[batch.Count];
                UnwrappedParallel.ForEach(Enumerable.Range(0, batch.Count), new ParallelOptions(), i =>
                {
                    var own = new Random(seeds[i]);
                    examples[i] = Load(batch[i], train, maxFrames, own);
                    features[i] = Features(model, examples[i], options.EndOfAudioTail, own, options.SpectralColouring);
                });
                yield return Prepared(targets, examples, features);
            }
        }
    }

    /// <summary>Unaugmented examples (validation), prepared in order.</summary>
    PreparedBatch Prepare(WhisperModel model, TranscriptTargets targets, IReadOnlyList<Example> examples) =>
        Prepared(targets, examples, [.. examples.Select(e => Features(model, e, options.EndOfAudioTail, augment: null))]);

    static PreparedBatch Prepared(TranscriptTargets targets, IReadOnlyList<Example> examples, IReadOnlyList<(float[] Values, int Frames)> features) =>
        new([.. features], [.. examples.Select(e => targets.Encode(e.Text))], examples.Sum(e => e.Samples.Length) / (double)AudioInput.SampleRate);

    /// <summary>
    /// Log-mel features (unpadded, followed by the zero tail when <paramref name="tail"/>; or 30 s windows for
    /// models trained on them); given a random source, a vocal tract warp (factor from <see cref="WarpRange"/>),
    /// the speech's frames coloured when <paramref name="colouring"/> (<see cref="SpectralColouring"/>), and SpecAugment.
    /// </summary>
    internal static (float[] Values, int Frames) Features(WhisperModel model, Example example, bool tail, Random? augment, bool colouring = false)
    {
        int bins = model.Dimensions.MelBins;
        var (values, frames) = ClipFeatures.Of(model, example.Samples, tail);
        if (augment != null)
        {
            var (min, max) = WarpRange;
            VocalTractWarp.Apply(values, bins, frames, min + (max - min) * augment.NextDouble());
            if (colouring)
                SpectralColouring.Apply(values, bins, frames, example.Samples.Length / LogMelSpectrogram.HopLength, augment);
            SpecAugment.Apply(values, bins, frames, augment);
        }
        return (values, frames);
    }

    /// <summary>
    /// The vocal tract warp's factors: formants moved from 15% down to 35% up (a woman's formants sit about 15-20%
    /// above a man's, a child's higher still), for every voice. Up to step 9614 the bundled model trained with 0.9
    /// to 1.15, up to step 13236 with 0.85 to 1.25, up to step 25767 with 0.85 to 1.35 for flite's awb and rms
    /// (the voices made from recordings of a man) and 0.85 to 1.25 for the others.
    /// </summary>
    static readonly (double Min, double Max) WarpRange = (0.85, 1.35);

    /// <summary>The longest example in mel frames: just under the encoder's audio positions.</summary>
    static int MaxFrames(WhisperModel model) => 2 * model.Dimensions.AudioContext - 10;

    /// <summary>Batches of utterances of similar length (sorted with jitter), in random order.</summary>
    IEnumerable<List<Utterance>> Batches(WhisperModel model, List<Utterance> train, Random random)
    {
        // Frames an utterance may occupy, with room for speed and join changes; a padded model always takes a window.
        double tail = options.EndOfAudioTail ? 1 + ClipFeatures.VariableLengthTail : 1;
        double Frames(Utterance u) => model.VariableLengthAudio ? u.Seconds * 110 * tail + 40 : 2 * model.Dimensions.AudioContext;
        var sorted = train.OrderBy(u => u.Seconds * (0.9 + 0.2 * random.NextDouble())).ToList();
        var batches = new List<List<Utterance>>();
        var current = new List<Utterance>();
        double longest = 0;
        foreach (var utterance in sorted)
        {
            double frames = Math.Max(longest, Frames(utterance));
            if (current.Count > 0 && frames * (current.Count + 1) > options.MaxBatchFrames)
            {
                batches.Add(current);
                current = [];
                frames = Frames(utterance);
            }
            current.Add(utterance);
            longest = frames;
        }
        if (current.Count > 0)
            batches.Add(current);
        return batches.OrderBy(_ => random.Next());
    }

    /// <summary>A training example made of <paramref name="utterance"/> (or, at <see cref="TrainingOptions.NoSpeechShare"/>, sound without speech as long), augmented.</summary>
    internal Example Load(Utterance utterance, List<Utterance> train, int maxFrames, Random random)
    {
        var (text, samples) = options.NoSpeechShare > 0 && random.NextDouble() < options.NoSpeechShare
            ? ("", NoSpeech.Clip((int)(utterance.Seconds * AudioInput.SampleRate), random))
            : Speech(utterance, train, maxFrames, random);
        var augmented = Augmentation.Apply(samples, random);
        return new Example(text, augmented.Length / 160 < maxFrames ? augmented : augmented[..(maxFrames * 160)]);
    }

    /// <summary><paramref name="utterance"/>'s text and audio, or (<see cref="TrainingOptions.JoinProbability"/>) it and another after a pause.</summary>
    (string Text, float[] Samples) Speech(Utterance utterance, List<Utterance> train, int maxFrames, Random random)
    {
        var samples = AudioInput.ReadAll(utterance.Path);
        string text = utterance.Text;
        if (random.NextDouble() < options.JoinProbability)
        {
            var other = train[random.Next(train.Count)];
            if (utterance.Seconds + other.Seconds < Math.Min(9, maxFrames / 200.0))
            {
                samples = [.. samples, .. new float[AudioInput.SampleRate * 3 / 10], .. AudioInput.ReadAll(other.Path)];
                text += " " + other.Text;
            }
        }
        return (text, samples);
    }

    /// <summary>
    /// Linear warm-up, then cosine decay to a tenth (from <see cref="TrainingOptions.DecayFrom"/> when set). A run
    /// resumed without its AdamW moments warms up again from <paramref name="warmUpFrom"/>, the step where they
    /// restarted (0: no second warm-up).
    /// </summary>
    double LearningRate(int step, int warmUpFrom)
    {
        double scheduled = Scheduled(step);
        int sinceRestart = step - warmUpFrom;
        return warmUpFrom > 0 && sinceRestart < options.WarmupSteps ? scheduled * (sinceRestart + 1) / options.WarmupSteps : scheduled;
    }

    static int DecayStart(TrainingOptions options)
    {
        options.Validate();
        return options.DecayFrom ?? options.WarmupSteps;
    }

    double Scheduled(int step)
    {
        if (step < options.WarmupSteps)
            return options.PeakLearningRate * (step + 1) / options.WarmupSteps;
        double progress = Math.Clamp((double)(step - decayFrom) / Math.Max(1, options.Steps - decayFrom), 0, 1);
        return options.PeakLearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>The validation utterances' loss (unaugmented) and word error rates of greedy attention and CTC decoding, logged.</summary>
    void Validate(Trainee trainee, TranscriptTargets targets, List<Utterance> validation, int step)
    {
        if (validation.Count == 0)
            return;
        trainee.Model.eval();
        double loss = ValidationLoss(trainee, targets, validation);
        var (attention, ctc) = Evaluate(trainee.Model, trainee.CtcHead, trainee.Tokenizer, targets.Prompt, validation.Select(u => (u.Path, u.Text)));
        logger.LogInformation("step {Step}: validation loss {Loss:F3}, WER {Attention:P1} (attention), {Ctc:P1} (CTC)", step, loss, attention, ctc);
        string path = Path.Combine(options.OutputDirectory, ValidationFile);
        const string Header = "step\tloss\twer_attention\twer_ctc";
        string? first = File.Exists(path) ? File.ReadLines(path).FirstOrDefault() : null;
        if (first == null)
            File.WriteAllText(path, Header + "\n");
        else if (first != Header) // a log from before the loss was recorded: its rows get NaN
            File.WriteAllLines(path, [Header, .. File.ReadLines(path).Skip(1).Select(l => l.Split('\t')).Select(f => $"{f[0]}\tNaN\t{string.Join('\t', f.Skip(1))}")]);
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{step}\t{loss:F4}\t{attention:F4}\t{ctc:F4}\n"));
    }

    /// <summary>The loss over the validation utterances, in batches of a few, without augmentation or gradients.</summary>
    double ValidationLoss(Trainee trainee, TranscriptTargets targets, List<Utterance> validation)
    {
        const int BatchSize = 8;
        using var noGrad = torch.no_grad();
        double total = 0;
        foreach (var chunk in validation.Chunk(BatchSize))
        {
            using var scope = NewDisposeScope();
            var examples = chunk.Select(u => new Example(u.Text, AudioInput.ReadAll(u.Path))).ToList();
            var (loss, _, _) = Losses(trainee.Model, trainee.CtcHead, trainee.Tokenizer, targets.Prompt, Prepare(trainee.Model, targets, examples));
            total += loss.item<float>() * chunk.Length;
        }
        return total / validation.Count;
    }

    /// <summary>Word error rates of greedy attention decoding and of greedy CTC decoding (NaN without a CTC head) over (audio, text) pairs.</summary>
    internal static (double Attention, double Ctc) Evaluate(WhisperModel model, Linear? ctcHead, WhisperTokenizer tokenizer, IReadOnlyList<int> prompt,
        IEnumerable<(string Audio, string Text)> pairs)
    {
        var attentionPairs = new List<(string, string)>();
        var ctcPairs = new List<(string, string)>();
        var decoder = new WindowDecoder(model, tokenizer, [SuppressBlank.For(tokenizer)]);
        using var inference = torch.inference_mode();
        foreach (var (file, text) in pairs)
        {
            using var scope = NewDisposeScope();
            var (values, frames) = ClipFeatures.Of(model, AudioInput.ReadAll(file));
            var audio = model.Encoder.Forward(torch.tensor(values, [1, model.Dimensions.MelBins, frames]));
            using var cross = model.Decoder.CrossAttention(audio);
            var result = decoder.Decode(cross, prompt, 0, (int)model.Decoder.Context / 2);
            attentionPairs.Add((text, result.Text));
            if (ctcHead != null)
            {
                var best = ctcHead.call(audio)[0].argmax(-1).data<long>().ToArray();
                var collapsed = best.Where((t, i) => t != tokenizer.TextTokenCount && (i == 0 || t != best[i - 1])).Select(t => (int)t);
                ctcPairs.Add((text, tokenizer.Decode(collapsed)));
            }
        }
        return (WordErrorRate.Of(attentionPairs), ctcHead == null ? double.NaN : WordErrorRate.Of(ctcPairs));
    }

    /// <summary>Training utterances the model can take (short enough, text within its context) and the validation utterances.</summary>
    (List<Utterance> Train, List<Utterance> Validation) Splits(WhisperModel model, TranscriptTargets targets)
    {
        var utterances = Corpus.Read(options.CorpusDirectory);
        int maxFrames = MaxFrames(model), maxText = (int)model.Decoder.Context - targets.Prompt.Count - 1;
        bool Fits(Utterance u) => u.Seconds * 100 < maxFrames && targets.Encode(u.Text).Count <= maxText;
        var train = utterances.Where(u => u.Split == Corpus.Train && Fits(u)).ToList();
        if (train.Count == 0)
            throw new InvalidDataException($"{options.CorpusDirectory}: no training utterance (split \"{Corpus.Train}\", under {maxFrames / 100} s, at most {maxText} tokens)");
        // Validation: held-out sentences by training voices in a synthetic corpus; any other split in a manifest of one's own.
        var validation = utterances.Where(u => u.Split != Corpus.Train && u.Split != Corpus.TestHeldOutVoices && Fits(u)).Take(options.ValidationUtterances).ToList();
        return (train, validation);
    }

    /// <summary>Small initial weights (normal, std 0.02, as Hugging Face initialises Whisper) so that the first logits are moderate.</summary>
    static void Initialize(WhisperModel model)
    {
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            if (name.Contains(".conv", StringComparison.Ordinal) || name.Contains("_ln.", StringComparison.Ordinal) || name.Contains(".ln", StringComparison.Ordinal))
                continue;
            if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_();
            else
                nn.init.normal_(parameter, 0, 0.02);
        }
    }

    /// <summary>
    /// The model to train: resumed from the output directory when it holds a run; else the checkpoint to
    /// fine-tune; else a new model of the bundled recipe with a CTC head.
    /// </summary>
    Trainee Start()
    {
        string directory = Path.Combine(options.OutputDirectory, ModelDirectory), statePath = Path.Combine(options.OutputDirectory, StateFile);
        // The CTC head is kept in the model's directory, where decoding finds it; runs saved before that kept it beside.
        string ctcPath = Path.Combine(directory, CtcHead.FileName);
        if (!File.Exists(ctcPath))
            ctcPath = Path.Combine(options.OutputDirectory, CtcHead.FileName);
        if (File.Exists(statePath))
        {
            var state = ReadState(statePath);
            logger.LogInformation("resuming at step {Step} ({Seconds:F0} s trained)", state.Step, state.Seconds);
            var (model, tokenizer) = CheckpointReader.Load(directory);
            Linear? ctcHead = null;
            try
            {
                ctcHead = File.Exists(ctcPath) ? ReadCtcHead(ctcPath, model.Dimensions.AudioState, tokenizer.TextTokenCount + 1) : null;
                (model, ctcHead) = Grown(model, ctcHead);
            }
            catch
            {
                model.Dispose();
                ctcHead?.Dispose();
                throw;
            }
            return new Trainee(model, tokenizer, ctcHead, state);
        }
        if (options.InitialModel is { } initial)
        {
            var (model, tokenizer) = CheckpointReader.Load(initial);
            try
            {
                model = Grown(model, null).Model;
            }
            catch
            {
                model.Dispose();
                throw;
            }
            logger.LogInformation("fine-tuning {Model} ({Parameters:N0} parameters)", initial, model.parameters().Sum(p => p.numel()));
            // A fine-tune trains no CTC head, so the weight a checkpoint names for its head does not pass to the result.
            model.Settings = model.Settings with { CtcWeight = null };
            return new Trainee(model, tokenizer, null, new TrainingState(0, 0));
        }
        if (options.WidenTo != null || options.DeepenEncoderTo != null || options.DeepenDecoderTo != null)
            throw TrainingOptions.Invalid($"Widening and deepening grow a trained model (a resumed run, or one to fine-tune); a new model is made as wide and deep as asked from the start.");
        var recipeTokenizer = ModelRecipe.Tokenizer();
        var dims = ModelRecipe.Dimensions(options.Width, heads: options.Width / 64, options.EncoderLayers, options.DecoderLayers);
        var fresh = new WhisperModel(dims) { VariableLengthAudio = true };
        var head = nn.Linear(dims.AudioState, recipeTokenizer.TextTokenCount + 1); // the last class is CTC's blank
        Initialize(fresh);
        return new Trainee(fresh, recipeTokenizer, head, new TrainingState(0, 0));
    }

    /// <summary>Where a saved run stands.</summary>
    /// <exception cref="InvalidDataException">The file is not a training state (e.g. truncated).</exception>
    static TrainingState ReadState(string path)
    {
        TrainingState? state;
        try
        {
            state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not a training state ({e.Message})", e);
        }
        if (state is not { Step: >= 0, Seconds: >= 0 })
            throw new InvalidDataException($"{path}: not a training state (it needs a step and seconds of 0 or more)");
        return state;
    }

    /// <summary>A saved CTC head of <paramref name="inputs"/> features and <paramref name="classes"/> classes (the vocabulary's text tokens and the blank).</summary>
    /// <exception cref="InvalidDataException">The file lacks the head's weight or bias, or they are of another shape.</exception>
    static Linear ReadCtcHead(string path, int inputs, int classes)
    {
        using var saved = CtcHead.Load(path, inputs, classes - 1);
        var head = nn.Linear(inputs, classes);
        using var noGrad = torch.no_grad();
        head.weight!.copy_(saved.Weight);
        head.bias!.copy_(saved.Bias);
        return head;
    }

    /// <summary>
    /// <paramref name="model"/> and its CTC head widened to <see cref="TrainingOptions.WidenTo"/> (see
    /// <see cref="ModelWidening"/>), then deepened to <see cref="TrainingOptions.DeepenEncoderTo"/> and
    /// <see cref="TrainingOptions.DeepenDecoderTo"/> blocks (see <see cref="ModelDeepening"/>); each step only where the
    /// model is not that wide or deep already. The model and head given are disposed where new ones are returned (so
    /// while both steps run, the model given, the widened and the deepened are all held); if growing fails, they are
    /// left as they were and what was made from them is disposed.
    /// </summary>
    /// <exception cref="ArgumentException">The model cannot grow as asked (a usage error).</exception>
    (WhisperModel Model, Linear? CtcHead) Grown(WhisperModel model, Linear? ctcHead)
    {
        var had = model.Dimensions;
        int width = options.WidenTo ?? had.AudioState;
        int encoderBlocks = options.DeepenEncoderTo ?? had.AudioLayers, decoderBlocks = options.DeepenDecoderTo ?? had.TextLayers;
        bool widen = width != had.AudioState, deepen = encoderBlocks != had.AudioLayers || decoderBlocks != had.TextLayers;
        string? refusal = (widen ? ModelWidening.Refusal(model, width) : null) ?? (deepen ? ModelDeepening.Refusal(model, encoderBlocks, decoderBlocks) : null);
        if (refusal is { } why)
            throw TrainingOptions.Invalid($"{why}"); // a usage error on the command line
        var (grown, grownHead) = (model, ctcHead);
        try
        {
            if (widen)
            {
                grown = ModelWidening.Widen(model, width, Initialize);
                grownHead = ctcHead == null ? null : ModelWidening.WidenHead(ctcHead, width);
                logger.LogInformation("widened from {Had} to {Width} ({Parameters:N0} parameters; it computes nearly what it did)",
                    had.AudioState, width, grown.parameters().Sum(p => p.numel()));
            }
            if (deepen)
            {
                var widened = grown;
                grown = ModelDeepening.Deepen(widened, encoderBlocks, decoderBlocks, Initialize);
                if (widened != model)
                    widened.Dispose();
                logger.LogInformation("deepened from {EncoderHad} encoder and {DecoderHad} decoder blocks to {EncoderBlocks} and {DecoderBlocks} (the new ones start as the identity)",
                    had.AudioLayers, had.TextLayers, encoderBlocks, decoderBlocks);
            }
        }
        catch
        {
            if (grown != model)
                grown.Dispose();
            if (grownHead != ctcHead)
                grownHead?.Dispose();
            throw;
        }
        if (grown != model)
            model.Dispose();
        if (grownHead != ctcHead)
            ctcHead?.Dispose();
        return (grown, grownHead);
    }

    void Save(Trainee trainee, AdamWOptimizer optimizer)
    {
        var model = trainee.Model;
        HuggingFaceCheckpoint.Write(Path.Combine(options.OutputDirectory, ModelDirectory), model.Dimensions, model.state_dict(), trainee.Tokenizer,
            settings: model.Settings);
        if (trainee.CtcHead is { } ctcHead)
        {
            SafeTensorsFile.Write(Path.Combine(options.OutputDirectory, ModelDirectory, CtcHead.FileName),
                new Dictionary<string, Tensor> { ["weight"] = ctcHead.weight!, ["bias"] = ctcHead.bias! });
            File.Delete(Path.Combine(options.OutputDirectory, CtcHead.FileName));
        }
        OptimizerMoments.Save(optimizer, Path.Combine(options.OutputDirectory, MomentsFile));
        // Last, and whole or not at all (written beside, then moved over): the checkpoint is complete.
        string statePath = Path.Combine(options.OutputDirectory, StateFile);
        File.WriteAllText(statePath + ".partial", JsonSerializer.Serialize(trainee.State));
        File.Move(statePath + ".partial", statePath, overwrite: true);
    }
}

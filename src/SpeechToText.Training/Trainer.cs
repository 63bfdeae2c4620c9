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

/// <summary>
/// Trains the bundled model's recipe (<see cref="ModelRecipe"/>) on a synthetic corpus: hybrid CTC and
/// attention loss, variable-length batches grouped by duration, augmentation, AdamW with warm-up and
/// cosine decay, gradient clipping, periodic validation (WER) and checkpoints, resumable.
/// </summary>
public sealed class Trainer(TrainingOptions options, ILogger logger)
{
    const int MaxExampleFrames = 1990; // under the 1000 encoder positions (20 s)
    const string ModelDirectory = "model", StateFile = "training_state.json", LogFile = "train_log.tsv", ValidationFile = "validation.tsv";

    sealed record Example(string Text, float[] Samples);

    /// <summary>A batch ready for the model: augmented log-mel features ([80, frames] each) and their texts.</summary>
    sealed record PreparedBatch(List<(float[] Values, int Frames)> Features, List<string> Texts, double AudioSeconds);

    sealed record TrainingState(int Step, double Seconds);

    /// <summary>Runs training until the schedule ends, the time limit passes, or <paramref name="cancellation"/> fires.</summary>
    public void Run(CancellationToken cancellation = default)
    {
        TorchRuntime.EnsureAvailable();
        Directory.CreateDirectory(options.OutputDirectory);
        var tokenizer = ModelRecipe.Tokenizer();
        var dims = ModelRecipe.Dimensions(options.Width, heads: options.Width / 64, options.EncoderLayers, options.DecoderLayers);
        var utterances = Corpus.Read(options.CorpusDirectory);
        var train = utterances.Where(u => u.Split == Corpus.Train && u.Seconds * 100 < MaxExampleFrames).ToList();
        var validation = utterances.Where(u => u.Split == Corpus.TestSeenVoices).Take(options.ValidationUtterances).ToList();
        logger.LogInformation("{Train} training utterances ({Hours:F1} h), {Validation} for validation", train.Count, train.Sum(u => u.Seconds) / 3600, validation.Count);

        torch.manual_seed(options.Seed);
        var random = new Random(options.Seed);
        using var model = new WhisperModel(dims) { VariableLengthAudio = true };
        using var ctcHead = nn.Linear(dims.AudioState, tokenizer.TextTokenCount + 1); // the last class is CTC's blank
        Initialize(model);
        var state = Resume(model, ctcHead);
        var parameters = model.parameters().Concat(ctcHead.parameters()).ToList();
        using var optimizer = optim.AdamW(parameters, options.PeakLearningRate, 0.9, 0.98, 1e-8, options.WeightDecay);
        var clock = Stopwatch.StartNew();
        double secondsBefore = state.Seconds;
        int step = state.Step;
        using var log = new StreamWriter(Path.Combine(options.OutputDirectory, LogFile), append: true);
        if (log.BaseStream.Length == 0)
            log.WriteLine("step\tseconds\tloss\tctc\tcross_entropy\tlearning_rate\taudio_seconds");

        // Data preparation (reading, augmentation, log-mel) of the next batch overlaps the current step.
        foreach (var batch in Prefetch.OneAhead(PreparedBatches(train, random)))
        {
            if (step >= options.Steps || cancellation.IsCancellationRequested || TimeUp(clock, secondsBefore))
                break;
            model.train();
            double learningRate = LearningRate(step, state.Step);
            foreach (var group in optimizer.ParamGroups)
                group.LearningRate = learningRate;
            var (loss, ctc, crossEntropy) = Step(model, ctcHead, tokenizer, batch);
            if ((step + 1) % options.Accumulate == 0)
            {
                nn.utils.clip_grad_norm_(parameters, options.ClipNorm);
                optimizer.step();
                optimizer.zero_grad();
            }
            step++;
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
                Validate(model, ctcHead, tokenizer, validation, step);
                Save(model, ctcHead, tokenizer, new TrainingState(step, seconds));
            }
        }
        if (step % options.ValidateEvery != 0 || step == state.Step)
        {
            // Not just validated and saved inside the loop (or nothing ran): do it now.
            Validate(model, ctcHead, tokenizer, validation, step);
            Save(model, ctcHead, tokenizer, new TrainingState(step, secondsBefore + clock.Elapsed.TotalSeconds));
        }
        LossPlot.Write(Path.Combine(options.OutputDirectory, LogFile), Path.Combine(options.OutputDirectory, "loss.svg"));
    }

    bool TimeUp(Stopwatch clock, double secondsBefore) =>
        options.TimeLimit is { } limit && clock.Elapsed.TotalSeconds >= limit.TotalSeconds;

    /// <summary>One batch: encoder, CTC head and decoder; the hybrid loss is back-propagated.</summary>
    (double Loss, double Ctc, double CrossEntropy) Step(WhisperModel model, Linear ctcHead, WhisperTokenizer tokenizer, PreparedBatch prepared)
    {
        using var scope = NewDisposeScope();
        var special = tokenizer.Special;
        var features = prepared.Features;
        int frames = features.Max(f => f.Frames) + 1 & ~1;
        var batch = new float[features.Count * 80 * frames];
        for (int b = 0; b < features.Count; b++)
            for (int m = 0; m < 80; m++)
                Array.Copy(features[b].Values, m * features[b].Frames, batch, (b * 80 + m) * frames, features[b].Frames);
        var audio = model.Encoder.Forward(torch.tensor(batch, [features.Count, 80, frames]));

        var texts = prepared.Texts.Select(tokenizer.Encode).ToList();
        var logProbabilities = nn.functional.log_softmax(ctcHead.call(audio), -1).transpose(0, 1);
        var targets = torch.tensor(texts.SelectMany(t => t).Select(t => (long)t).ToArray());
        var inputLengths = torch.tensor(features.Select(f => (long)(f.Frames + 1) / 2).ToArray());
        var targetLengths = torch.tensor(texts.Select(t => (long)t.Count).ToArray());
        var ctc = nn.functional.ctc_loss(logProbabilities, targets, inputLengths, targetLengths, blank: tokenizer.TextTokenCount, zero_infinity: true);

        int length = texts.Max(t => t.Count) + 1;
        var input = new long[texts.Count * length];
        var output = new long[texts.Count * length];
        Array.Fill(input, special.EndOfText);
        Array.Fill(output, -100); // ignored by the loss
        for (int b = 0; b < texts.Count; b++)
        {
            input[b * length] = special.StartOfTranscript;
            for (int i = 0; i < texts[b].Count; i++)
            {
                input[b * length + i + 1] = texts[b][i];
                output[b * length + i] = texts[b][i];
            }
            output[b * length + texts[b].Count] = special.EndOfText;
        }
        using var cross = model.Decoder.CrossAttention(audio);
        using var cache = new DecoderCache(model.Decoder.Layers);
        var logits = model.Decoder.Forward(torch.tensor(input, [texts.Count, length]), cross, cache);
        var crossEntropy = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[^1]), torch.tensor(output), ignore_index: -100);

        var loss = options.CtcWeight * ctc + (1 - options.CtcWeight) * crossEntropy;
        (loss / options.Accumulate).backward();
        return (loss.item<float>(), ctc.item<float>(), crossEntropy.item<float>());
    }

    /// <summary>
    /// Endless epochs of prepared batches. All of the run's randomness after initialisation is drawn here, in
    /// order, so a run is deterministic however far ahead batches are prepared.
    /// </summary>
    IEnumerable<PreparedBatch> PreparedBatches(List<Utterance> train, Random random)
    {
        while (true)
        {
            foreach (var batch in Batches(train, random))
            {
                var examples = batch.Select(u => Load(u, train, random)).ToList();
                var features = examples.Select(e =>
                {
                    var mel = LogMelSpectrogram.Compute(e.Samples, 80);
                    var values = mel.Values;
                    SpecAugment.Apply(values, 80, mel.Frames, random);
                    return (values, mel.Frames);
                }).ToList();
                yield return new PreparedBatch(features, examples.Select(e => e.Text).ToList(), examples.Sum(e => e.Samples.Length) / (double)AudioInput.SampleRate);
            }
        }
    }

    /// <summary>Batches of utterances of similar length (sorted with jitter), in random order.</summary>
    IEnumerable<List<Utterance>> Batches(List<Utterance> train, Random random)
    {
        var sorted = train.OrderBy(u => u.Seconds * (0.9 + 0.2 * random.NextDouble())).ToList();
        var batches = new List<List<Utterance>>();
        var current = new List<Utterance>();
        double longest = 0;
        foreach (var utterance in sorted)
        {
            double frames = Math.Max(longest, utterance.Seconds * 100 * 1.1 + 40); // room for speed and join changes
            if (current.Count > 0 && frames * (current.Count + 1) > options.MaxBatchFrames)
            {
                batches.Add(current);
                current = [];
                frames = utterance.Seconds * 110 + 40;
            }
            current.Add(utterance);
            longest = frames;
        }
        if (current.Count > 0)
            batches.Add(current);
        return batches.OrderBy(_ => random.Next());
    }

    Example Load(Utterance utterance, List<Utterance> train, Random random)
    {
        var samples = AudioInput.ReadAll(Path.Combine(options.CorpusDirectory, utterance.Path));
        string text = utterance.Text;
        if (random.NextDouble() < options.JoinProbability)
        {
            var other = train[random.Next(train.Count)];
            if (utterance.Seconds + other.Seconds < 9)
            {
                samples = [.. samples, .. new float[AudioInput.SampleRate * 3 / 10], .. AudioInput.ReadAll(Path.Combine(options.CorpusDirectory, other.Path))];
                text += " " + other.Text;
            }
        }
        var augmented = Augmentation.Apply(samples, random);
        return new Example(text, augmented.Length / 160 < MaxExampleFrames ? augmented : augmented[..(MaxExampleFrames * 160)]);
    }

    /// <summary>
    /// Linear warm-up, then cosine decay to a tenth. A resumed run warms up again from where it resumed,
    /// because AdamW's moments restart empty.
    /// </summary>
    double LearningRate(int step, int resumedAt)
    {
        double scheduled = Scheduled(step);
        int sinceResume = step - resumedAt;
        return resumedAt > 0 && sinceResume < options.WarmupSteps ? scheduled * (sinceResume + 1) / options.WarmupSteps : scheduled;
    }

    double Scheduled(int step)
    {
        if (step < options.WarmupSteps)
            return options.PeakLearningRate * (step + 1) / options.WarmupSteps;
        double progress = Math.Min(1, (double)(step - options.WarmupSteps) / Math.Max(1, options.Steps - options.WarmupSteps));
        return options.PeakLearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
    }

    /// <summary>Greedy attention and CTC decoding of the validation utterances; logs their word error rates.</summary>
    void Validate(WhisperModel model, Linear ctcHead, WhisperTokenizer tokenizer, List<Utterance> validation, int step)
    {
        model.eval();
        var (attention, ctc) = Evaluate(model, ctcHead, tokenizer, validation.Select(u => (Path.Combine(options.CorpusDirectory, u.Path), u.Text)));
        logger.LogInformation("step {Step}: validation WER {Attention:P1} (attention), {Ctc:P1} (CTC)", step, attention, ctc);
        string path = Path.Combine(options.OutputDirectory, ValidationFile);
        if (!File.Exists(path))
            File.WriteAllText(path, "step\twer_attention\twer_ctc\n");
        File.AppendAllText(path, string.Create(CultureInfo.InvariantCulture, $"{step}\t{attention:F4}\t{ctc:F4}\n"));
    }

    /// <summary>Word error rates of greedy attention decoding and of greedy CTC decoding over (wav, text) pairs.</summary>
    internal static (double Attention, double Ctc) Evaluate(WhisperModel model, Linear? ctcHead, WhisperTokenizer tokenizer, IEnumerable<(string Wav, string Text)> pairs)
    {
        var attentionPairs = new List<(string, string)>();
        var ctcPairs = new List<(string, string)>();
        var decoder = new WindowDecoder(model, tokenizer, [SuppressBlank.For(tokenizer)]);
        using var inference = torch.inference_mode();
        foreach (var (wav, text) in pairs)
        {
            using var scope = NewDisposeScope();
            var mel = LogMelSpectrogram.Compute(AudioInput.ReadAll(wav), 80);
            var audio = model.Encoder.Forward(torch.tensor(mel.Values, [1, 80, mel.Frames]));
            using var cross = model.Decoder.CrossAttention(audio);
            var result = decoder.Decode(cross, [tokenizer.Special.StartOfTranscript], 0, 300);
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

    TrainingState Resume(WhisperModel model, Linear ctcHead)
    {
        string directory = Path.Combine(options.OutputDirectory, ModelDirectory), statePath = Path.Combine(options.OutputDirectory, StateFile);
        if (!File.Exists(statePath))
            return new TrainingState(0, 0);
        using (var checkpoint = HuggingFaceCheckpoint.Read(directory))
            model.LoadWeights(checkpoint.Tensors, directory);
        var heads = SafeTensorsFile.Read(Path.Combine(options.OutputDirectory, "ctc_head.safetensors"));
        using (torch.no_grad())
        {
            ctcHead.weight!.copy_(heads["weight"]);
            ctcHead.bias!.copy_(heads["bias"]);
        }
        var state = JsonSerializer.Deserialize<TrainingState>(File.ReadAllText(statePath))!;
        logger.LogInformation("resuming at step {Step} ({Seconds:F0} s trained); optimiser moments restart", state.Step, state.Seconds);
        return state;
    }

    void Save(WhisperModel model, Linear ctcHead, WhisperTokenizer tokenizer, TrainingState state)
    {
        HuggingFaceCheckpoint.Write(Path.Combine(options.OutputDirectory, ModelDirectory), model.Dimensions, model.state_dict(), tokenizer, variableLengthAudio: true);
        SafeTensorsFile.Write(Path.Combine(options.OutputDirectory, "ctc_head.safetensors"),
            new Dictionary<string, Tensor> { ["weight"] = ctcHead.weight!, ["bias"] = ctcHead.bias! });
        File.WriteAllText(Path.Combine(options.OutputDirectory, StateFile), JsonSerializer.Serialize(state));
    }
}

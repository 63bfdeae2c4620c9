using System.Diagnostics;
using SpeechToText.Checkpoints;
using SpeechToText.Decoding;
using SpeechToText.Features;
using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Benchmarking;

/// <summary>What <see cref="InferenceBenchmark"/> measured (times in milliseconds).</summary>
/// <param name="Model">The checkpoint measured.</param>
/// <param name="Precision">fp32 or bf16.</param>
/// <param name="Threads">CPU threads libtorch used.</param>
/// <param name="LoadMs">Reading the checkpoint and building the model.</param>
/// <param name="MelMsPer30Seconds">Log-mel features of 30 s of audio.</param>
/// <param name="EncoderMs">One encoder forward over <paramref name="EncoderPositions"/> positions (median).</param>
/// <param name="EncoderPositions">Audio positions of that window (1500 for 30 s).</param>
/// <param name="TimeToFirstTokenMs">From samples to the first decoded token: features, encoder, cross-attention keys/values, prompt.</param>
/// <param name="DecodeStepP50Ms">One decoder step with the KV cache, median over <paramref name="DecodeSteps"/> steps.</param>
/// <param name="DecodeStepP95Ms">Its 95th percentile.</param>
/// <param name="DecodeSteps">Steps timed.</param>
/// <param name="TokensPerSecond">1000 / the mean step time.</param>
/// <param name="AudioSeconds">Length of the audio transcribed.</param>
/// <param name="BeamSize">Beams of that transcription at temperature 0 (1: greedy).</param>
/// <param name="RealTimeFactor">Wall time of the whole transcription divided by the audio's length (below 1: faster than real time).</param>
/// <param name="PeakRssBytes">The process's peak resident memory.</param>
/// <param name="MatmulGflops">This machine's measured matmul rate at the chosen precision (square 1024 matrices).</param>
/// <param name="EncoderGflops">The encoder's rate: its floating-point operations over its time.</param>
/// <param name="MemoryGBps">Measured memory read bandwidth (a 256 MB reduction).</param>
/// <param name="DecoderWeightBytes">Bytes of decoder weights a step reads (the tied embedding once).</param>
/// <param name="DecodeStepBoundMs">Time to stream those weights once at the measured bandwidth: a step's lower bound.</param>
/// <param name="OperationsPerStep">Tensors one decode step creates: each is one call through TorchSharp into libtorch.</param>
/// <param name="OperationMicroseconds">The cost of one such call on a tiny tensor (an addition of 8 numbers): pure dispatch.</param>
public sealed record BenchmarkReport(
    string Model, string Precision, int Threads, double LoadMs, double MelMsPer30Seconds, double EncoderMs, int EncoderPositions,
    double TimeToFirstTokenMs, double DecodeStepP50Ms, double DecodeStepP95Ms, int DecodeSteps, double TokensPerSecond,
    double AudioSeconds, int BeamSize, double RealTimeFactor, long PeakRssBytes, double MatmulGflops, double EncoderGflops,
    double MemoryGBps, long DecoderWeightBytes, double DecodeStepBoundMs, long OperationsPerStep, double OperationMicroseconds)
{
    /// <summary>The encoder's share of the measured matmul rate.</summary>
    public double EncoderFractionOfPeak => EncoderGflops / MatmulGflops;

    /// <summary>The median decode step over its weight-streaming bound.</summary>
    public double DecodeStepOverBound => DecodeStepP50Ms / DecodeStepBoundMs;

    /// <summary>The time a decode step's operations cost in dispatch alone, whatever their size.</summary>
    public double DecodeStepDispatchMs => OperationsPerStep * OperationMicroseconds / 1000;
}

/// <summary>
/// Measures a model's inference on this machine in one run: load, features, encoder, time to first token,
/// per-step decode latency, a whole transcription, and the machine's matmul rate and memory bandwidth so
/// the model's numbers can be read against what the hardware allows.
/// </summary>
public static class InferenceBenchmark
{
    const int MatrixSize = 1024, DecodeSteps = 64, Repeats = 5;

    /// <summary>
    /// Measures the checkpoint at <paramref name="modelPath"/> on <paramref name="samples"/> (16 kHz mono), the whole
    /// transcription with <paramref name="beamSize"/> beams (the per-step figures are of one greedy sequence).
    /// </summary>
    public static BenchmarkReport Run(string modelPath, float[] samples, Precision precision, int threads, int beamSize = 1, CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(beamSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        TorchRuntime.EnsureAvailable();
        int previousThreads = torch.get_num_threads();
        torch.set_num_threads(threads);
        try
        {
            return Measure(modelPath, samples, precision, threads, beamSize, cancellation);
        }
        finally
        {
            torch.set_num_threads(previousThreads); // libtorch's thread count is process-wide
        }
    }

    static BenchmarkReport Measure(string modelPath, float[] samples, Precision precision, int threads, int beamSize, CancellationToken cancellation)
    {
        var dtype = precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32;
        var clock = Stopwatch.StartNew();
        var (model, tokenizer) = CheckpointReader.Load(modelPath);
        using var owned = model;
        model.to(dtype);
        double loadMs = clock.Elapsed.TotalMilliseconds;
        using var inference = torch.inference_mode();

        var window = samples.AsSpan(0, Math.Min(samples.Length, LogMelSpectrogram.WindowSamples)).ToArray();
        var thirtySeconds = Enumerable.Range(0, LogMelSpectrogram.WindowSamples).Select(i => samples.Length == 0 ? 0 : samples[i % samples.Length]).ToArray();
        double melMs = Median(() => LogMelSpectrogram.Compute(thirtySeconds, model.Dimensions.MelBins));
        using var input = EncoderInput(model, window, dtype);
        int positions = (int)(input.shape[2] + 1) / 2; // the second convolution halves the frames, rounding up
        double encoderMs = Median(() => model.Encoder.Forward(input).Dispose());

        var (firstTokenMs, steps, operations) = TimeDecoding(model, tokenizer.Special, window, dtype);
        cancellation.ThrowIfCancellationRequested();

        clock.Restart();
        foreach (var _ in new Transcriber(model, tokenizer).Transcribe(samples, new DecodingOptions { Temperatures = [0.0], BeamSize = beamSize }, cancellation))
        {
        }
        double audioSeconds = samples.Length / (double)LogMelSpectrogram.SampleRate;
        double realTimeFactor = clock.Elapsed.TotalSeconds / audioSeconds;

        double matmul = MatmulGflops(dtype);
        double bandwidth = MemoryGBps();
        long weightBytes = model.Decoder.parameters().Sum(p => p.numel() * p.element_size());
        var sorted = steps.Order().ToArray();
        return new BenchmarkReport(
            modelPath, precision == Precision.Bf16 ? "bf16" : "fp32", threads, loadMs, melMs, encoderMs, positions,
            firstTokenMs, Percentile(sorted, 0.5), Percentile(sorted, 0.95), sorted.Length, 1000 / steps.Average(),
            audioSeconds, beamSize, realTimeFactor, Process.GetCurrentProcess().PeakWorkingSet64, matmul,
            EncoderFlops(model.Dimensions, positions) / (encoderMs * 1e6), bandwidth, weightBytes, weightBytes / (bandwidth * 1e6),
            operations, OperationMicroseconds());
    }

    /// <summary>Floating-point operations of one encoder forward over <paramref name="positions"/> positions (multiply-adds count 2).</summary>
    public static double EncoderFlops(ModelDimensions dims, int positions)
    {
        double t = positions, d = dims.AudioState;
        double convolutions = 2 * (2 * t) * dims.MelBins * 3 * d + 2 * t * d * 3 * d;
        double perLayer = 24 * t * d * d + 4 * t * t * d; // projections and MLP, then scores and weighted values
        return convolutions + dims.AudioLayers * perLayer;
    }

    static Tensor EncoderInput(WhisperModel model, float[] window, ScalarType dtype)
    {
        var (values, frames) = ClipFeatures.Of(model, window);
        using var input = torch.tensor(values, [1, model.Dimensions.MelBins, frames]);
        return input.to(dtype);
    }

    /// <summary>
    /// Time to the first token, then the time of each of <see cref="DecodeSteps"/> greedy steps (EOT does not
    /// stop it), and the tensors the last step created.
    /// </summary>
    static (double FirstTokenMs, List<double> Steps, long Operations) TimeDecoding(WhisperModel model, Text.SpecialTokens special, float[] window, ScalarType dtype)
    {
        var clock = Stopwatch.StartNew();
        using var input = EncoderInput(model, window, dtype);
        using var audio = model.Encoder.Forward(input);
        using var cross = model.Decoder.CrossAttention(audio);
        using var cache = new DecoderCache(model.Decoder.Layers);
        var prompt = new PromptBuilder(special, (int)model.Decoder.Context).Build([], null, DecodingTask.Transcribe, timestamps: false).Tokens;
        long next = NextToken(model, cross, cache, [.. prompt.Select(t => (long)t)]);
        double firstTokenMs = clock.Elapsed.TotalMilliseconds;
        var steps = new List<double>();
        long operations = 0;
        int count = (int)Math.Min(DecodeSteps, model.Decoder.Context - prompt.Count - 1);
        for (int i = 0; i < count; i++)
        {
            long created = TensorsCreated();
            clock.Restart();
            next = NextToken(model, cross, cache, [next]);
            steps.Add(clock.Elapsed.TotalMilliseconds);
            operations = TensorsCreated() - created;
        }
        return (firstTokenMs, steps, operations);
    }

    static long TensorsCreated()
    {
        var statistics = DisposeScopeManager.Statistics;
        return statistics.CreatedInScopeCount + statistics.CreatedOutsideScopeCount;
    }

    /// <summary>Microseconds of one libtorch call on a tensor too small for its arithmetic to count.</summary>
    static double OperationMicroseconds()
    {
        const int Calls = 1000;
        using var small = torch.ones(8);
        double ms = Median(() =>
        {
            using var scope = NewDisposeScope();
            for (int i = 0; i < Calls; i++)
                small.Plus(small);
        });
        return ms * 1000 / Calls;
    }

    static long NextToken(WhisperModel model, CrossAttentionCache cross, DecoderCache cache, long[] tokens)
    {
        using var scope = NewDisposeScope();
        var logits = model.Decoder.Forward(torch.tensor(tokens, [1, tokens.Length]), cross, cache);
        return logits[0, -1].argmax().item<long>();
    }

    static double MatmulGflops(ScalarType dtype)
    {
        using var a = torch.randn(MatrixSize, MatrixSize).to(dtype);
        using var b = torch.randn(MatrixSize, MatrixSize).to(dtype);
        double ms = Median(() => torch.matmul(a, b).Dispose());
        return 2.0 * MatrixSize * MatrixSize * MatrixSize / (ms * 1e6);
    }

    static double MemoryGBps()
    {
        const long Floats = 64L * 1024 * 1024; // 256 MB
        using var data = torch.ones(Floats);
        double ms = Median(() => data.sum().Dispose());
        return Floats * 4 / (ms * 1e6);
    }

    /// <summary>The median time of <paramref name="action"/> over a few runs after one warm-up.</summary>
    static double Median(Action action)
    {
        action();
        var times = new double[Repeats];
        for (int i = 0; i < Repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }
        Array.Sort(times);
        return times[Repeats / 2];
    }

    /// <summary>The value below which <paramref name="fraction"/> of <paramref name="sorted"/> (ascending) lies (nearest rank); NaN when empty.</summary>
    public static double Percentile(double[] sorted, double fraction) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
}

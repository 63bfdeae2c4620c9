using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using SpeechToText.Audio;
using SpeechToText.Features;

namespace SpeechToText.Benchmarks;

/// <summary>
/// The audio frontend on one core: log-mel features and resampling of 30 s of audio.
/// The "x real time" column is the throughput; the target for log-mel is at least 500.
/// </summary>
[Config(typeof(OneCoreConfig))]
[MemoryDiagnoser]
public class FrontendBenchmarks
{
    const double Seconds = 30;
    float[] _audio16k = [];
    float[] _audio44k = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _audio16k = Enumerable.Range(0, (int)(16000 * Seconds)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        _audio44k = Enumerable.Range(0, (int)(44100 * Seconds)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
    }

    [Benchmark(Description = "log-mel 80 bins, 30 s")]
    [AudioSeconds(Seconds)]
    public LogMelSpectrogram LogMel80() => LogMelSpectrogram.Compute(_audio16k, 80);

    [Benchmark(Description = "log-mel 128 bins, 30 s")]
    [AudioSeconds(Seconds)]
    public LogMelSpectrogram LogMel128() => LogMelSpectrogram.Compute(_audio16k, 128);

    [Benchmark(Description = "resample 44.1 -> 16 kHz, 30 s")]
    [AudioSeconds(Seconds)]
    public int Resample44k()
    {
        var resampler = new Resampler(44100, 16000);
        var output = new List<float>(16000 * (int)Seconds + 16);
        resampler.Process(_audio44k, output);
        resampler.Flush(output);
        return output.Count;
    }

    sealed class OneCoreConfig : ManualConfig
    {
        public OneCoreConfig()
        {
            AddJob(Job.Default.WithAffinity(1).WithWarmupCount(2).WithIterationCount(10));
            AddColumn(new RealTimeFactorColumn());
        }
    }
}

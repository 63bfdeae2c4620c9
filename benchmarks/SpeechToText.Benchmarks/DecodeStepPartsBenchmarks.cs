using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SpeechToText.Checkpoints;
using SpeechToText.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace SpeechToText.Benchmarks;

/// <summary>
/// One decoder step of the bundled model taken apart: each kind of operation it runs, alone, at the shapes it
/// has at batch 1 (one query, a cache of 100 positions, a window of the model's audio positions), fp32, default
/// threads. Each figure is per call. Multiplied by how often a step makes each call, they account for the
/// step's time and show what bounds it.
/// </summary>
[Config(typeof(PartsConfig))]
public class DecodeStepPartsBenchmarks
{
    const int Calls = 200, ColdCopies = 64; // 64 MB of weights: more than the caches hold
    Tensor _row = null!, _wideRow = null!, _query = null!, _selfKeys = null!, _audioKeys = null!, _tokens = null!;
    Tensor _projection = null!, _bias = null!, _expand = null!, _expandBias = null!, _embedding = null!, _normWeight = null!, _normBias = null!;
    long[] _token = [];
    WhisperModel _model = null!;
    CrossAttentionCache _cross = null!;
    Tensor[] _coldExpands = [];

    [GlobalSetup]
    public void Setup()
    {
        (_model, _) = CheckpointReader.Load(Bundled.Model);
        var dims = _model.Dimensions;
        using (torch.inference_mode())
        {
            using var audio = torch.randn(1, dims.AudioContext, dims.AudioState);
            _cross = _model.Decoder.CrossAttention(audio);
        }
        int state = dims.TextState, heads = dims.TextHeads, size = state / heads;
        torch.manual_seed(1);
        _row = torch.randn(1, 1, state);
        _wideRow = torch.randn(1, 1, 4 * state);
        _query = torch.randn(1, heads, 1, size);
        _selfKeys = torch.randn(1, heads, 100, size);
        _audioKeys = torch.randn(1, heads, dims.AudioContext, size);
        _projection = torch.randn(state, state);
        _bias = torch.randn(state);
        _expand = torch.randn(4 * state, state);
        _expandBias = torch.randn(4 * state);
        _embedding = torch.randn(dims.VocabularySize, state);
        _normWeight = torch.ones(state);
        _normBias = torch.zeros(state);
        _tokens = torch.randn(1, 1, dims.VocabularySize);
        _token = [1];
        _coldExpands = Enumerable.Range(0, ColdCopies).Select(_ => torch.randn(4 * state, state)).ToArray();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cross.Dispose();
        _model.Dispose();
    }

    void Repeat(Func<Tensor> call)
    {
        using var inference = torch.inference_mode();
        using var scope = NewDisposeScope();
        for (int i = 0; i < Calls; i++)
            call();
    }

    [Benchmark(Baseline = true, Description = "whole step (mean of 100 from an empty cache)", OperationsPerInvoke = 100)]
    public void Step()
    {
        using var inference = torch.inference_mode();
        using var cache = new DecoderCache(_model.Decoder.Layers);
        for (int i = 0; i < 100; i++)
        {
            using var scope = NewDisposeScope();
            _model.Decoder.Forward(torch.tensor(_token, [1, 1]), _cross, cache);
        }
    }

    [Benchmark(Description = "linear state -> state (q, k, v, out)", OperationsPerInvoke = Calls)]
    public void Projection() => Repeat(() => nn.functional.linear(_row, _projection, _bias));

    [Benchmark(Description = "linear state -> 4 state (MLP)", OperationsPerInvoke = Calls)]
    public void Expand() => Repeat(() => nn.functional.linear(_row, _expand, _expandBias));

    [Benchmark(Description = "linear state -> 4 state, weights from memory", OperationsPerInvoke = Calls)]
    public void ExpandCold()
    {
        int next = 0;
        Repeat(() =>
        {
            next = (next + 1) % _coldExpands.Length;
            return nn.functional.linear(_row, _coldExpands[next], _expandBias);
        });
    }

    [Benchmark(Description = "layer norm", OperationsPerInvoke = Calls)]
    public void LayerNorm() => Repeat(() => nn.functional.layer_norm(_row, [_row.shape[2]], _normWeight, _normBias));

    [Benchmark(Description = "GELU of 4 state", OperationsPerInvoke = Calls)]
    public void Gelu() => Repeat(() => nn.functional.gelu(_wideRow));

    [Benchmark(Description = "residual add", OperationsPerInvoke = Calls)]
    public void Add() => Repeat(() => _row + _row);

    [Benchmark(Description = "head split (view + transpose)", OperationsPerInvoke = Calls)]
    public void SplitHeads() => Repeat(() => _row.view(1, 1, _query.shape[1], -1).transpose(1, 2));

    [Benchmark(Description = "self-attention over 100 cached positions", OperationsPerInvoke = Calls)]
    public void SelfAttention() => Repeat(() => nn.functional.scaled_dot_product_attention(_query, _selfKeys, _selfKeys));

    [Benchmark(Description = "cross-attention over the audio positions", OperationsPerInvoke = Calls)]
    public void CrossAttention() => Repeat(() => nn.functional.scaled_dot_product_attention(_query, _audioKeys, _audioKeys));

    [Benchmark(Description = "logits (tied embedding)", OperationsPerInvoke = Calls)]
    public void Logits() => Repeat(() => nn.functional.linear(_row, _embedding));

    [Benchmark(Description = "token in, argmax out (host round trip)", OperationsPerInvoke = Calls)]
    public void RoundTrip() => Repeat(() =>
    {
        using var input = torch.tensor(_token, [1, 1]);
        _token[0] = _tokens[0, -1].argmax().item<long>() % 2;
        return input;
    });

    sealed class PartsConfig : ManualConfig
    {
        public PartsConfig() =>
            AddJob(Job.Default.WithWarmupCount(2).WithIterationCount(10).WithToolchain(InProcessEmitToolchain.Instance));
    }
}

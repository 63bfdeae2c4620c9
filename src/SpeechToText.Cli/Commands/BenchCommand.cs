using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SpeechToText.Audio;
using SpeechToText.Benchmarking;

namespace SpeechToText.Cli.Commands;

/// <summary><c>stt bench</c>: a model's inference speed on this machine, against the machine's own matmul rate and memory bandwidth.</summary>
internal static class BenchCommand
{
    static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static Command Create(TextWriter output, TextWriter error)
    {
        var model = new Option<string?>("--model", "-m") { Description = "A model directory, ggml file or name (default: the bundled model)" };
        var audio = new Option<string?>("--audio") { Description = "Audio to transcribe (default: the bundled long sample)" };
        var precision = new Option<string>("--precision") { Description = "fp32 or bf16", DefaultValueFactory = _ => "fp32" };
        precision.AcceptOnlyFromAmong("fp32", "bf16");
        var threads = ThreadsOption.Create("CPU threads (default: one per core)");
        var beamSize = new Option<int>("--beam-size")
        {
            Description = "Beams of the whole transcription at temperature 0 (1: greedy)", DefaultValueFactory = _ => TranscribeCommand.DefaultBeamSize,
        }.AtLeast(1);
        var json = new Option<bool>("--json") { Description = "Print the measurements as JSON" };
        var command = new Command("bench", "Measure load, features, encoder, time to first token, decode latency and real-time factor")
        {
            model, audio, precision, threads, beamSize, json,
        };
        command.SetAction((parsed, cancellation) => Task.FromResult(SttApp.Execute(parsed, error, _ =>
        {
            string modelPath = BundledModel.Or(parsed.GetValue(model));
            int beams = parsed.GetValue(beamSize);
            string audioPath = parsed.GetValue(audio) ?? BundledModel.Sample("long.wav")
                ?? throw new UsageException("no --audio given, and the bundled samples are not installed");
            var report = InferenceBenchmark.Run(modelPath, AudioInput.ReadAll(audioPath, cancellation: cancellation),
                parsed.GetValue(precision) == "bf16" ? Precision.Bf16 : Precision.Fp32, parsed.GetValue(threads) ?? Environment.ProcessorCount, beams, cancellation);
            if (parsed.GetValue(json))
                output.WriteLine(JsonSerializer.Serialize(report, Indented));
            else
                WriteTable(output, report);
            return ExitCode.Ok;
        }, cancellation)));
        return command;
    }

    static string BeamsText(int beams) => beams == 1 ? "greedy" : $"{beams} beams";

    static void WriteTable(TextWriter output, BenchmarkReport r)
    {
        string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
        var rows = new (string, string)[]
        {
            ("model", r.Model),
            ("precision, threads", F($"{r.Precision}, {r.Threads}")),
            ("load", F($"{r.LoadMs:F0} ms")),
            ("log-mel of 30 s", F($"{r.MelMsPer30Seconds:F1} ms")),
            ("encoder, one window", F($"{r.EncoderMs:F1} ms ({r.EncoderPositions} positions)")),
            ("time to first token", F($"{r.TimeToFirstTokenMs:F1} ms")),
            ("decode step p50 / p95", F($"{r.DecodeStepP50Ms:F2} / {r.DecodeStepP95Ms:F2} ms ({r.DecodeSteps} steps)")),
            ("tokens per second", F($"{r.TokensPerSecond:F0}")),
            ("real-time factor", F($"{r.RealTimeFactor:F3} ({r.AudioSeconds:F1} s of audio, {BeamsText(r.BeamSize)}, {1 / r.RealTimeFactor:F0}x real time)")),
            ("peak RSS", F($"{r.PeakRssBytes / 1e6:F0} MB")),
            ("matmul peak (this machine)", F($"{r.MatmulGflops:F1} GFLOP/s")),
            ("encoder rate", F($"{r.EncoderGflops:F1} GFLOP/s = {100 * r.EncoderFractionOfPeak:F0}% of peak")),
            ("memory bandwidth (this machine)", F($"{r.MemoryGBps:F1} GB/s")),
            ("decode step bound", F($"{r.DecodeStepBoundMs:F3} ms to stream {r.DecoderWeightBytes / 1e6:F1} MB of weights; p50 is {r.DecodeStepOverBound:F1}x that")),
            ("decode step dispatch", F($"{r.OperationsPerStep} libtorch calls x {r.OperationMicroseconds:F1} us = {r.DecodeStepDispatchMs:F2} ms of the {r.DecodeStepP50Ms:F2} ms p50")),
        };
        int width = rows.Max(row => row.Item1.Length);
        foreach (var (name, value) in rows)
            output.WriteLine($"{name.PadRight(width)}  {value}");
    }
}

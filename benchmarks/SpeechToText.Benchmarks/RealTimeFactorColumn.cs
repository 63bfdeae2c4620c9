using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace SpeechToText.Benchmarks;

/// <summary>Marks a benchmark method as processing this many seconds of audio per invocation.</summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AudioSecondsAttribute(double seconds) : Attribute
{
    public double Seconds { get; } = seconds;
}

/// <summary>A column "x real time": seconds of audio processed per second of wall time (mean).</summary>
public sealed class RealTimeFactorColumn : IColumn
{
    public string Id => nameof(RealTimeFactorColumn);
    public string ColumnName => "x real time";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Seconds of audio processed per second of wall time (from the mean)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var seconds = benchmarkCase.Descriptor.WorkloadMethod.GetCustomAttributes(typeof(AudioSecondsAttribute), false)
            .OfType<AudioSecondsAttribute>().FirstOrDefault()?.Seconds;
        var report = summary[benchmarkCase];
        if (seconds is null || report?.ResultStatistics is null)
            return "-";
        double meanSeconds = report.ResultStatistics.Mean / 1e9;
        return (seconds.Value / meanSeconds).ToString("N0");
    }

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
}

using System.Diagnostics;
using System.Globalization;

namespace SpeechToText.Cli;

/// <summary>A one-line progress bar on stderr, redrawn at most a few times a second, and only on a terminal.</summary>
internal sealed class ProgressBar(TextWriter error)
{
    const int Width = 30;
    readonly bool _interactive = ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected;
    readonly Stopwatch _sinceDrawn = Stopwatch.StartNew();
    bool _drawn;

    /// <summary>Shows <paramref name="label"/> at <paramref name="done"/> of <paramref name="total"/> (in the units of <paramref name="unit"/>).</summary>
    public void Report(string label, double done, double? total, string unit)
    {
        if (!_interactive || (_drawn && _sinceDrawn.ElapsedMilliseconds < 200 && done < total))
            return;
        string bar = total is > 0 ? new string('#', (int)(Width * Math.Min(1, done / total.Value))).PadRight(Width, '.') : new string('.', Width);
        string amount = total is { } t
            ? string.Create(CultureInfo.InvariantCulture, $"{done:F1}/{t:F1} {unit} {100 * done / Math.Max(t, 1e-9):F0}%")
            : string.Create(CultureInfo.InvariantCulture, $"{done:F1} {unit}");
        error.Write($"\r{label} [{bar}] {amount}   ");
        _drawn = true;
        _sinceDrawn.Restart();
    }

    /// <summary>Ends the progress line.</summary>
    public void Finish()
    {
        if (_drawn)
            error.WriteLine();
        _drawn = false;
    }
}

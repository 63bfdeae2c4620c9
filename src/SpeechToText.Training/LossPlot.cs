using System.Globalization;

namespace SpeechToText.Training;

/// <summary>
/// Draws the training loss (a moving average over 50 steps, nats) against the step as a PNG line chart,
/// with the loss on the vertical axis and the step on the horizontal one, five labelled ticks each.
/// </summary>
public static class LossPlot
{
    const int Width = 800, Height = 400, Margin = 60, Window = 50;
    static readonly Raster.Rgb Black = new(0, 0, 0), Grey = new(220, 220, 220), Blue = new(31, 119, 180);

    /// <summary>Reads a training log (step, seconds, loss, ...) and writes the chart to <paramref name="pngPath"/>; nothing for fewer than 2 steps.</summary>
    public static void Write(string logPath, string pngPath)
    {
        var points = File.ReadLines(logPath).Skip(1).Select(l => l.Split('\t'))
            .Select(f => (Step: double.Parse(f[0], CultureInfo.InvariantCulture), Loss: double.Parse(f[2], CultureInfo.InvariantCulture)))
            .Where(p => double.IsFinite(p.Loss))
            .ToList();
        if (points.Count < 2)
            return;
        var smoothed = points.Select((p, i) => (p.Step, Loss: points.Skip(Math.Max(0, i - Window + 1)).Take(Math.Min(Window, i + 1)).Average(q => q.Loss))).ToList();
        double minStep = smoothed[0].Step, maxStep = Math.Max(smoothed[^1].Step, minStep + 1);
        double minLoss = Math.Min(0, smoothed.Min(p => p.Loss)), maxLoss = Math.Max(smoothed.Max(p => p.Loss), minLoss + 1e-9);
        double X(double step) => Margin + (Width - 2 * Margin) * (step - minStep) / (maxStep - minStep);
        double Y(double loss) => Height - Margin - (Height - 2 * Margin) * (loss - minLoss) / (maxLoss - minLoss);

        var image = new Raster(Width, Height);
        for (int i = 0; i <= 4; i++)
        {
            double loss = minLoss + (maxLoss - minLoss) * i / 4, step = minStep + (maxStep - minStep) * i / 4;
            image.Line(Margin, Y(loss), Width - Margin, Y(loss), Grey);
            image.Number(8, (int)Y(loss) - 5, loss.ToString("F2", CultureInfo.InvariantCulture), Black);
            string label = step.ToString("F0", CultureInfo.InvariantCulture);
            image.Number((int)X(step) - label.Length * 4, Height - Margin + 10, label, Black);
        }
        image.Line(Margin, Height - Margin, Width - Margin, Height - Margin, Black);
        image.Line(Margin, Margin, Margin, Height - Margin, Black);
        for (int i = 1; i < smoothed.Count; i++)
            image.Line(X(smoothed[i - 1].Step), Y(smoothed[i - 1].Loss), X(smoothed[i].Step), Y(smoothed[i].Loss), Blue, thickness: 2);
        image.SavePng(pngPath);
    }
}

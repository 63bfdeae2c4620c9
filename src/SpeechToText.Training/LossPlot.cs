using System.Globalization;
using System.Text;

namespace SpeechToText.Training;

/// <summary>Draws the training loss (a moving average over 50 steps) as an SVG line chart.</summary>
public static class LossPlot
{
    /// <summary>Reads a training log (step, seconds, loss, ...) and writes the chart to <paramref name="svgPath"/>.</summary>
    public static void Write(string logPath, string svgPath)
    {
        var points = File.ReadLines(logPath).Skip(1).Select(l => l.Split('\t'))
            .Select(f => (Step: double.Parse(f[0], CultureInfo.InvariantCulture), Loss: double.Parse(f[2], CultureInfo.InvariantCulture)))
            .ToList();
        if (points.Count < 2)
            return;
        var smoothed = points.Select((p, i) => (p.Step, Loss: points.Skip(Math.Max(0, i - 49)).Take(Math.Min(50, i + 1)).Average(q => q.Loss))).ToList();
        const double Width = 800, Height = 400, Margin = 50;
        double maxStep = smoothed[^1].Step, maxLoss = smoothed.Max(p => p.Loss), minLoss = Math.Min(0, smoothed.Min(p => p.Loss));
        string X(double step) => (Margin + (Width - 2 * Margin) * step / maxStep).ToString("F1", CultureInfo.InvariantCulture);
        string Y(double loss) => (Height - Margin - (Height - 2 * Margin) * (loss - minLoss) / (maxLoss - minLoss)).ToString("F1", CultureInfo.InvariantCulture);
        var svg = new StringBuilder();
        svg.AppendLine(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" font-family=\"sans-serif\" font-size=\"12\">");
        svg.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Margin}\" y1=\"{Height - Margin}\" x2=\"{Width - Margin}\" y2=\"{Height - Margin}\" stroke=\"black\"/>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{Margin}\" y1=\"{Margin}\" x2=\"{Margin}\" y2=\"{Height - Margin}\" stroke=\"black\"/>");
        for (int i = 0; i <= 4; i++)
        {
            double loss = minLoss + (maxLoss - minLoss) * i / 4, step = maxStep * i / 4;
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"5\" y=\"{Y(loss)}\">{loss:F2}</text>");
            svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{X(step)}\" y=\"{Height - Margin + 20}\" text-anchor=\"middle\">{step:F0}</text>");
        }
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">step</text>");
        svg.AppendLine(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\">training loss (0.5 CTC + 0.5 cross-entropy, nats; 50-step average)</text>");
        svg.Append("<polyline fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"1.5\" points=\"");
        foreach (var (step, loss) in smoothed.Where((_, i) => i % Math.Max(1, smoothed.Count / 800) == 0))
            svg.Append(CultureInfo.InvariantCulture, $"{X(step)},{Y(loss)} ");
        svg.AppendLine("\"/>");
        svg.AppendLine("</svg>");
        File.WriteAllText(svgPath, svg.ToString());
    }
}

namespace GaNas.Cli;

/// <summary>PNG charts drawn with ScottPlot.</summary>
internal static class Plots
{
    public static void Scatter(IReadOnlyList<double> x, IReadOnlyList<double> y, string xLabel, string yLabel, string title, string path)
    {
        var finite = Enumerable.Range(0, x.Count).Where(i => double.IsFinite(x[i]) && double.IsFinite(y[i])).ToArray();
        var plot = new ScottPlot.Plot();
        var markers = plot.Add.ScatterPoints(finite.Select(i => x[i]).ToArray(), finite.Select(i => y[i]).ToArray());
        markers.MarkerSize = 3;
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 800, 600);
    }

    public static void Lines(IReadOnlyList<(string Name, double[] X, double[] Y)> series, string xLabel, string yLabel, string title, string path)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (name, xs, ys) in series)
        {
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = name;
        }
        plot.ShowLegend();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        plot.SavePng(path, 900, 600);
    }
}

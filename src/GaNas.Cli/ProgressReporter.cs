using System.Diagnostics;

namespace GaNas.Cli;

/// <summary>
/// A progress bar with rate and ETA on stderr. On a terminal it redraws one line; when stderr is
/// redirected it prints a line at most every 10 seconds, so logs stay readable.
/// </summary>
internal sealed class ProgressReporter(TextWriter writer, string label, int total)
{
    private readonly Stopwatch _watch = Stopwatch.StartNew();
    private readonly bool _interactive = ReferenceEquals(writer, Console.Error) && !Console.IsErrorRedirected;
    private double _lastPrint = double.NegativeInfinity;
    private int _startDone = -1;

    public void Report(int done, string? detail = null)
    {
        if (_startDone < 0) _startDone = done;
        double now = _watch.Elapsed.TotalSeconds;
        bool finished = done >= total;
        if (!finished && now - _lastPrint < (_interactive ? 0.2 : 10)) return;
        _lastPrint = now;
        int counted = done - _startDone;
        double rate = now > 0 ? counted / now : 0;
        string eta = rate > 0 ? TimeSpan.FromSeconds((total - done) / rate).ToString(@"hh\:mm\:ss", System.Globalization.CultureInfo.InvariantCulture) : "--:--:--";
        int width = 30;
        int filled = total > 0 ? (int)((long)width * done / total) : width;
        string bar = new string('#', filled) + new string('.', width - filled);
        string line = $"{label} [{bar}] {done}/{total} {rate:F2}/s ETA {eta}{(detail is null ? "" : " " + detail)}";
        if (_interactive) writer.Write("\r" + line + (finished ? Environment.NewLine : ""));
        else writer.WriteLine(line);
    }
}

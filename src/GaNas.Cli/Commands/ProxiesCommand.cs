using System.Text.Json;
using GaNas.Search;
using System.CommandLine;
using System.Globalization;
using GaNas.Benchmarks;
using GaNas.Data;
using GaNas.Proxies;
using GaNas.Runtime;
using GaNas.SearchSpaces;
using static TorchSharp.torch;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas proxies</c>: computes proxies for benchmark architectures on real images and appends
/// one CSV row per architecture (<c>index,arch,&lt;proxies&gt;,seconds</c>), resumable.
/// </summary>
internal static class ProxiesCommand
{
    public static Command Create(CommandIO io)
    {
        var space = CommonOptions.Space();
        var images = CommonOptions.Images();
        var table = new Option<string>("--table") { Description = "NATS-Bench table (index,arch,...) that maps indices to architectures.", Required = true };
        var archs = new Option<string>("--archs") { Description = "all | i,j,k | random:N[:seed]", DefaultValueFactory = _ => "all" };
        var proxies = new Option<string>("--proxies") { Description = $"Comma-separated proxies ({string.Join(", ", ProxyRegistry.Names)}).", DefaultValueFactory = _ => "naswot,ni,logsynflow" };
        var batch = CommonOptions.Batch();
        var seed = new Option<int>("--seed") { Description = "Seed of the image batch, the weights and the noise.", DefaultValueFactory = _ => 0 };
        var batchSeed = new Option<int?>("--batch-seed") { Description = "Seed of the image batch alone (default: --seed): several --seed values with one --batch-seed vary only the weights and the noise." };
        var classes = CommonOptions.Classes();
        var threads = CommonOptions.Threads();
        var where = ClusterScoring.ClusterOptions.Create();
        var layout = CommonOptions.Layout();
        var normalize = CommonOptions.Normalize();
        var output = new Option<string>("--out") { Description = "Output CSV file.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted output file without recomputing finished rows." };
        var trimEvery = new Option<int>("--trim-every") { Description = "Return freed native memory to the OS every N architectures (0 = never, to measure what it brings).", DefaultValueFactory = _ => 32 }.InRange(0, 1_000_000);
        var command = new Command("proxies", "Compute zero-cost proxies for benchmark architectures on real images, one CSV row each.")
        {
            space, images, table, archs, proxies, batch, seed, batchSeed, classes, threads, layout, normalize, output, resume, trimEvery,
        };
        foreach (Option option in where.All) command.Options.Add(option);
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            IReadOnlyList<IZeroCostProxy> list = ProxyRegistry.CreateMany(parse.GetValue(proxies)!);
            BenchmarkTable bench = BenchmarkTable.Read(s, parse.GetValue(table)!);
            IReadOnlyList<int> indices = ParseArchitectures(parse.GetValue(archs)!, bench.Count);
            string outPath = parse.GetValue(output)!;
            OptionRules.EnsureWritable(outPath, "--out");
            var header = list.Select(p => p.Name).Prepend("arch").Prepend("index").Append("seconds").ToArray();
            using var live = LiveProxies.Create(s, list, parse.GetValue(images)!, parse.GetValue(batch), parse.GetValue(seed), parse.GetValue(normalize), parse.GetValue(classes), parse.GetValue(threads), parse.GetValue(layout) == "channels-last", parse.GetValue(trimEvery),
                batchSeed: parse.GetValue(batchSeed));
            var evaluator = live.Evaluator;
            HashSet<int> done = PrepareOutput(outPath, header, parse.GetValue(resume), evaluator.Fingerprint);
            var todo = indices.Where(i => !done.Contains(i)).ToList();
            using var scoring = ClusterScoring.Open(evaluator, parse, where, io.Error);
            string running = scoring.Cluster is null ? $"{scoring.Workers} worker(s) x {TorchRuntime.Threads} thread(s)" : $"{scoring.Workers} in flight on cluster {scoring.Cluster}";
            io.Error.WriteLine($"proxies: {s.Name}, {todo.Count} to compute ({done.Count} already in {outPath}), batch {live.Batch.Images.shape[0]} from {live.Batch.Source}, {running}, {parse.GetValue(layout)}");

            var progress = new ProgressReporter(io.Error, "proxies", indices.Count);
            double rssStart = Environment.WorkingSet / 1048576.0;
            int failures = 0;
            using var writer = new StreamWriter(outPath, append: true);
            int count = done.Count;
            var wall = System.Diagnostics.Stopwatch.StartNew();
            var results = scoring.Scorer.EvaluateMany(todo.Select(i => bench[i].Genome), scoring.Workers, cancel);
            foreach (var (index, scores) in todo.Zip(results))
            {
                BenchmarkEntry entry = bench[index];
                failures += scores.Failures.Count();
                var fields = new List<string> { index.ToString(CultureInfo.InvariantCulture), entry.Architecture };
                fields.AddRange(list.Select(p => ProxyTable.Format(scores.Values[p.Name].Value)));
                fields.Add(scores.Seconds.ToString("F4", CultureInfo.InvariantCulture));
                writer.WriteLine(string.Join(',', fields));
                writer.Flush();
                progress.Report(++count, $"{scores.Seconds:F2}s");
            }
            GC.Collect();
            if (scoring.Summary() is { } summary) io.Error.WriteLine(summary);
            io.Error.WriteLine($"proxies: wrote {todo.Count} row(s) to {outPath} in {wall.Elapsed.TotalSeconds:F1} s; {failures} failed proxy value(s); RSS {rssStart:F0} MB after loading, {Environment.WorkingSet / 1048576.0:F0} MB at the end, peak {PeakResidentMegabytes():F0} MB");
            return 0;
        })));
        return command;
    }

    private static double PeakResidentMegabytes()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.PeakWorkingSet64 / 1048576.0;
    }

    /// <summary>all | i,j,k | random:N[:seed] over indices 0..count-1.</summary>
    public static IReadOnlyList<int> ParseArchitectures(string text, int count)
    {
        if (text.Equals("all", StringComparison.OrdinalIgnoreCase)) return Enumerable.Range(0, count).ToArray();
        if (text.StartsWith("random:", StringComparison.OrdinalIgnoreCase))
        {
            string[] parts = text.Split(':');
            if (parts.Length is < 2 or > 3 || !int.TryParse(parts[1], CultureInfo.InvariantCulture, out int n) || n < 1)
                throw new ArgumentException($"--archs '{text}': expected random:N or random:N:seed with N >= 1.");
            int seed = parts.Length == 3 ? int.Parse(parts[2], CultureInfo.InvariantCulture) : 0;
            return GaNas.Runtime.SeededSample.Indices(count, n, seed);
        }
        var list = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= count)
                throw new ArgumentException($"--archs: '{part}' is not an index in 0..{count - 1}.");
            list.Add(i);
        }
        return list.Count > 0 ? list.Distinct().ToArray() : throw new ArgumentException("--archs names no architecture.");
    }

    /// <summary>Where the fingerprint of an output table lives: beside it.</summary>
    internal static string FingerprintPath(string output) => output + ".fingerprint.json";

    /// <summary>
    /// Starts the output (header line and fingerprint file) or, with --resume, checks that the existing file was
    /// computed with the same data and settings (its fingerprint file) and columns, drops a last line that a kill
    /// cut short (no final newline, or too few fields), and returns the indices already done.
    /// </summary>
    private static HashSet<int> PrepareOutput(string path, string[] header, bool resume, RunFingerprint fingerprint)
    {
        string line = string.Join(',', header);
        string sidecar = FingerprintPath(path);
        if (!resume || !File.Exists(path) || new FileInfo(path).Length == 0)
        {
            if (!resume && File.Exists(path) && new FileInfo(path).Length > 0)
                throw new IOException($"'{path}' exists; pass --resume to continue it or choose another --out.");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, line + "\n");
            File.WriteAllText(sidecar, JsonSerializer.Serialize(fingerprint.Fields));
            return [];
        }
        if (!File.Exists(sidecar))
            throw new InvalidDataException($"'{path}' has no fingerprint file '{sidecar}', so it cannot be checked against this run's images, batch, seed, classes and proxies; start a new --out.");
        Dictionary<string, string> stored;
        try
        {
            stored = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(sidecar)) ?? throw new InvalidDataException($"'{sidecar}' is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{sidecar}' is corrupt: {ex.Message}", ex);
        }
        string? difference = fingerprint.DifferenceFrom(new RunFingerprint(stored));
        if (difference is not null)
            throw new InvalidDataException($"'{path}' was computed with other data or settings: {difference}. Resume with the same --images, --batch, --seed, --classes and --proxies, or choose another --out.");
        string text = File.ReadAllText(path);
        var lines = text.Split('\n').ToList();
        // The text after the last newline is a row a kill cut short (or nothing): drop it and recompute that architecture.
        lines.RemoveAt(lines.Count - 1);
        if (lines.Count == 0 || lines[0].TrimEnd('\r') != line)
            throw new InvalidDataException($"'{path}' has columns '{(lines.Count > 0 ? lines[0] : "")}', this run writes '{line}'; resume with the same --proxies.");
        var complete = lines.Skip(1).Select(l => l.TrimEnd('\r')).Where(l => l.Split(',').Length == header.Length).ToList();
        if (complete.Count != lines.Count - 1 || !text.EndsWith('\n')) File.WriteAllText(path, string.Join("\n", [line, .. complete]) + "\n");
        var done = new HashSet<int>();
        foreach (string row in complete)
        {
            string first = row[..row.IndexOf(',', StringComparison.Ordinal)];
            if (!int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int index) || !done.Add(index))
                throw new InvalidDataException($"'{path}': row '{row}' has an index that is not a number or appears twice.");
        }
        return done;
    }
}

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
        var classes = CommonOptions.Classes();
        var threads = CommonOptions.Threads();
        var workers = CommonOptions.Workers();
        var layout = CommonOptions.Layout();
        var normalize = CommonOptions.Normalize();
        var output = new Option<string>("--out") { Description = "Output CSV file.", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted output file without recomputing finished rows." };
        var trimEvery = new Option<int>("--trim-every") { Description = "Return freed native memory to the OS every N architectures (0 = never, to measure what it brings).", DefaultValueFactory = _ => 32 };
        var command = new Command("proxies", "Compute zero-cost proxies for benchmark architectures on real images, one CSV row each.")
        {
            space, images, table, archs, proxies, batch, seed, classes, threads, workers, layout, normalize, output, resume, trimEvery,
        };
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            ISearchSpace s = SearchSpaceCatalog.ByName(parse.GetValue(space)!);
            IReadOnlyList<IZeroCostProxy> list = ProxyRegistry.CreateMany(parse.GetValue(proxies)!);
            BenchmarkTable bench = BenchmarkTable.Read(s, parse.GetValue(table)!);
            IReadOnlyList<int> indices = ParseArchitectures(parse.GetValue(archs)!, bench.Count);
            string outPath = parse.GetValue(output)!;
            var header = new[] { "index", "arch" }.Concat(list.Select(p => p.Name)).Append("seconds").ToArray();
            HashSet<int> done = PrepareOutput(outPath, header, parse.GetValue(resume));
            var todo = indices.Where(i => !done.Contains(i)).ToList();

            using var live = LiveProxies.Create(s, list, parse.GetValue(images)!, parse.GetValue(batch), parse.GetValue(seed), parse.GetValue(normalize), parse.GetValue(classes), parse.GetValue(threads), parse.GetValue(layout) == "channels-last", parse.GetValue(trimEvery));
            var evaluator = live.Evaluator;
            io.Error.WriteLine($"proxies: {s.Name}, {todo.Count} to compute ({done.Count} already in {outPath}), batch {live.Batch.Images.shape[0]} from {live.Batch.Source}, {parse.GetValue(workers)} worker(s) x {TorchRuntime.Threads} thread(s), {parse.GetValue(layout)}");

            var progress = new ProgressReporter(io.Error, "proxies", indices.Count);
            double rssStart = Environment.WorkingSet / 1048576.0;
            int failures = 0;
            using var writer = new StreamWriter(outPath, append: true);
            int count = done.Count;
            var results = evaluator.EvaluateMany(todo.Select(i => bench[i].Genome), parse.GetValue(workers), cancel);
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
            io.Error.WriteLine($"proxies: wrote {todo.Count} row(s) to {outPath}; {failures} failed proxy value(s); RSS {rssStart:F0} MB after loading, {Environment.WorkingSet / 1048576.0:F0} MB at the end, peak {PeakResidentMegabytes():F0} MB");
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
            var random = new Random(seed);
            return Enumerable.Range(0, count).OrderBy(_ => random.Next()).Take(Math.Min(n, count)).ToArray();
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

    private static HashSet<int> PrepareOutput(string path, string[] header, bool resume)
    {
        string line = string.Join(',', header);
        if (!resume || !File.Exists(path) || new FileInfo(path).Length == 0)
        {
            if (!resume && File.Exists(path) && new FileInfo(path).Length > 0)
                throw new IOException($"'{path}' exists; pass --resume to continue it or choose another --out.");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            File.WriteAllText(path, line + Environment.NewLine);
            return [];
        }
        string[] lines = File.ReadAllLines(path);
        if (lines[0] != line)
            throw new InvalidDataException($"'{path}' has columns '{lines[0]}', this run writes '{line}'; resume with the same --proxies.");
        // A row cut off by a kill has fewer fields: drop it and recompute that architecture.
        var complete = lines.Skip(1).Where(l => l.Split(',').Length == header.Length).ToList();
        if (complete.Count != lines.Length - 1) File.WriteAllLines(path, [line, .. complete]);
        return complete.Select(l => int.Parse(l[..l.IndexOf(',', StringComparison.Ordinal)], CultureInfo.InvariantCulture)).ToHashSet();
    }
}

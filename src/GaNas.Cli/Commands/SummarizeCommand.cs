using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas summarize</c>: collects the JSON files <c>ganas bench</c> wrote for one space and dataset
/// (<c>{prefix}-{strategy}-{score}.json</c>) into the paper-style results table (Markdown) and, with
/// --plot, the mean best-so-far test accuracy against evaluations of every rk, trk, srk, ctrk and csrk strategy that has a curve.
/// </summary>
internal static class SummarizeCommand
{
    private static readonly string[] Order = ["ga-params", "rs-params", "rs-ni", "rs-naswot", "rs-logsynflow", "rs-rk", "ga-rk", "sa-rk", "rea-rk", "rs-lrk", "ga-lrk", "sa-lrk", "rea-lrk", "rs-trk", "ga-trk", "sa-trk", "rea-trk", "rs-srk", "ga-srk", "sa-srk", "rea-srk", "rs-ctrk", "ga-ctrk", "sa-ctrk", "rea-ctrk", "rs-csrk", "ga-csrk", "sa-csrk", "rea-csrk", "rs-default", "ga-default"];

    /// <summary>Scores whose strategies get a best-so-far curve in the plot: the paper's, the CIFAR-10-chosen trk and srk, and the project's defaults (ctrk on TSS, csrk on SSS).</summary>
    private static readonly string[] PlottedScores = ["rk", "trk", "srk", "ctrk", "csrk"];

    public static Command Create(CommandIO io)
    {
        var results = new Option<string>("--results") { Description = "Folder of bench JSON files.", Required = true };
        var prefix = new Option<string?>("--prefix") { Description = "File prefix: {space}-{dataset}, e.g. tss-cifar10 (one dataset's table of every bench)." };
        var plot = new Option<string?>("--plot") { Description = "PNG of mean best-so-far test accuracy against evaluations (needs benches run with --truth)." };
        var page = new Option<string?>("--page") { Description = "Instead of --prefix: a search space's results page (tss or sss): methods and baselines against the three datasets." };
        page.OneOf("tss", "sss");
        var anchors = new Option<string?>("--anchors") { Description = "With --page: CSV of published results (space,method,cifar10,cifar100,imagenet16-120) added as rows." };
        var inSample = new Option<string[]>("--in-sample") { Description = "With --page: datasets the default score was chosen on, marked in-sample.", DefaultValueFactory = _ => ["cifar10", "cifar100"], AllowMultipleArgumentsPerToken = true };
        var command = new Command("summarize", "Collect bench results into a Markdown table and a best-so-far plot, or a search space's results page.") { results, prefix, plot, page, anchors, inSample };
        command.SetAction((parse, cancel) => Task.FromResult(io.Guard(() =>
        {
            string folder = parse.GetValue(results)!;
            if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"No results folder '{folder}'.");
            if (parse.GetValue(page) is { } space)
            {
                if (parse.GetValue(prefix) is not null || parse.GetValue(plot) is not null) throw new ArgumentException("--page makes its own table; leave out --prefix and --plot.");
                io.Out.Write(ResultsPage.Build(folder, space, parse.GetValue(anchors), parse.GetValue(inSample)!));
                return 0;
            }
            string p = parse.GetValue(prefix) ?? throw new ArgumentException("Give --prefix {space}-{dataset} (or --page tss|sss).");
            var files = Directory.GetFiles(folder, p + "-*.json")
                .Select(f => (Key: Path.GetFileNameWithoutExtension(f)[(p.Length + 1)..], Path: f))
                .OrderBy(f => Array.IndexOf(Order, f.Key) is int i && i >= 0 ? i : Order.Length)
                .ThenBy(f => f.Key, StringComparer.Ordinal)
                .ToList();
            if (files.Count == 0) throw new FileNotFoundException($"No '{p}-*.json' bench files in '{folder}'.");
            var curves = new List<(string Name, double[] X, double[] Y)>();
            var plotted = new List<string>();
            io.Out.WriteLine("| method | runs | evaluations | test accuracy (%) | validation accuracy (%) | search cost (s) |");
            io.Out.WriteLine("|---|---|---|---|---|---|");
            foreach (var (key, path) in files)
            {
                using JsonDocument doc = Read(path);
                JsonElement root = doc.RootElement;
                JsonElement summary = Get(root, "summary", path);
                string scoreName = Get(root, "score", path).GetString()!;
                // {strategy}-default files repeat a named score's bench under the space's default: labelled so, not plotted twice.
                bool isDefault = key.EndsWith("-default", StringComparison.Ordinal);
                string name = $"{Get(root, "strategy", path).GetString()!.ToUpperInvariant()}-{scoreName}{(isDefault ? " (default)" : "")}";
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {Get(root, "runs_count", path).GetInt32()} | {Get(root, "evaluations", path).GetInt32()} | {Pm(summary, "test_acc")} | {Pm(summary, "valid_acc")} | {Pm(summary, "search_cost_seconds", "F0")} |"));
                if (!isDefault && summary.TryGetProperty("curve", out JsonElement curve) && PlottedScores.Contains(scoreName))
                {
                    double[] x = curve.GetProperty("evaluations").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    double[] y = curve.GetProperty("mean_best_test_acc").EnumerateArray().Select(e => e.GetDouble()).ToArray();
                    curves.Add((name, x, y));
                    if (!plotted.Contains(scoreName)) plotted.Add(scoreName);
                }
            }
            if (parse.GetValue(plot) is { } png)
            {
                if (curves.Count == 0) throw new InvalidOperationException($"No {string.Join(" or ", PlottedScores)} bench in '{folder}' has a best-so-far curve (run the benches with --truth).");
                Plots.Lines(curves, "architectures evaluated", "mean best-so-far test accuracy (%)", $"{p}: search by {string.Join(" and ", plotted)}, 30-run mean", png);
                io.Error.WriteLine($"summarize: wrote {png}");
            }
            return 0;
        })));
        return command;
    }

    private static JsonDocument Read(string path)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{path} is not a bench JSON file: {ex.Message}", ex);
        }
    }

    private static JsonElement Get(JsonElement element, string name, string path) =>
        element.TryGetProperty(name, out JsonElement value) ? value : throw new InvalidDataException($"{path} has no '{name}' field; is it a 'ganas bench' output?");

    private static string Pm(JsonElement summary, string name, string format = "F2") =>
        summary.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Object
            ? string.Create(CultureInfo.InvariantCulture, $"{v.GetProperty("mean").GetDouble().ToString(format, CultureInfo.InvariantCulture)} ± {v.GetProperty("std").GetDouble().ToString(format, CultureInfo.InvariantCulture)}")
            : "n/a (no ground truth)";
}

using System.CommandLine;
using System.Globalization;
using GaNas.Benchmarks;
using GaNas.Scoring;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas select-score</c>: chooses a hybrid score on a proxy table with ground truth (CIFAR-10 only)
/// by the documented procedure of <see cref="ScoreSelection"/>, reporting cross-validated Kendall tau.
/// </summary>
internal static class SelectScoreCommand
{
    public static Command Create(CommandIO io)
    {
        var proxies = new Option<string>("--proxies") { Description = "Proxy table CSV (ganas proxies output); several, comma-separated, are joined on index.", Required = true };
        var truth = new Option<string>("--truth") { Description = "Benchmark table with accuracies (CIFAR-10: the only ground truth a default may be chosen on).", Required = true };
        var metric = new Option<string>("--metric") { Description = "Accuracy column.", DefaultValueFactory = _ => "test_acc" };
        var candidates = new Option<string?>("--candidates") { Description = "Comma-separated proxies to combine (default: every proxy column)." };
        var maxTerms = new Option<int>("--max-terms") { Description = "Most proxies in one score.", DefaultValueFactory = _ => 4 };
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the fold shuffle.", DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "JSON report." };
        var command = new Command("select-score", "Choose a hybrid score by cross-validated Kendall tau against benchmark accuracy.")
        {
            proxies, truth, metric, candidates, maxTerms, folds, seed, output,
        };
        command.SetAction(parse => io.Guard(() =>
        {
            ProxyTable table = ProxyTable.ReadMany(parse.GetValue(proxies)!);
            var (rows, accuracy) = TruthJoin.Load(table, parse.GetValue(truth)!, parse.GetValue(metric)!);
            string[] names = parse.GetValue(candidates) is { } list
                ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : table.ProxyNames.ToArray();
            var values = new Dictionary<string, double[]>(StringComparer.Ordinal);
            foreach (string name in names)
            {
                if (!table.Has(name)) throw new ArgumentException($"{table.Source} has no column '{name}' (columns: {string.Join(", ", table.ProxyNames)}).");
                var column = table.Column(name);
                values[name] = rows.Select(r => column[r]).ToArray();
            }
            var result = ScoreSelection.Run(values, accuracy, parse.GetValue(maxTerms), parse.GetValue(folds), parse.GetValue(seed));
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"select-score: {result.Candidates} candidates over {names.Length} proxies, {rows.Length} architectures, {result.Folds.Count} folds"));
            foreach (var f in result.Folds)
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fold {f.Fold}: chose {f.Chosen} (train tau {f.TrainKendall:F4}), held-out tau {f.TestKendall:F4}"));
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cross-validated Kendall tau {result.CrossValidatedKendall:F4}"));
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chosen: {result.Chosen.Score} (Kendall tau {result.Chosen.Kendall:F4} on all rows; its top-ranked row has accuracy {result.Chosen.TopAccuracy:F2})"));
            foreach (var c in result.Top.Skip(1).Take(9))
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  next: {c.Score} {c.Kendall:F4} (top-ranked row {c.TopAccuracy:F2})"));
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, Json.Serialize(new Dictionary<string, object?>
                {
                    ["proxies_file"] = table.Source,
                    ["n"] = rows.Length,
                    ["candidates"] = result.Candidates,
                    ["chosen"] = result.Chosen,
                    ["cross_validated_kendall"] = Math.Round(result.CrossValidatedKendall, 4),
                    ["folds"] = result.Folds,
                    ["top"] = result.Top,
                }, indented: true));
            }
            return 0;
        }));
        return command;
    }
}

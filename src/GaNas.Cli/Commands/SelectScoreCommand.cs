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
        var objective = new Option<string>("--objective") { Description = "kendall: Kendall tau over all rows; elite: accuracy of the architecture the score ranks first within its own elite (what a search returns).", DefaultValueFactory = _ => "kendall" };
        objective.AcceptOnlyFromAmong("kendall", "elite");
        var eliteFraction = new Option<double>("--elite-fraction") { Description = "With --objective elite: share of the rows in a score's elite (0.064 = 1,000 of 15,625, a 1,000-evaluation search).", DefaultValueFactory = _ => 0.064 };
        var minKendall = new Option<double?>("--min-kendall") { Description = "With --objective elite: candidates below this Kendall tau (on the rows chosen on) are not eligible." };
        var allWeights = new Option<bool>("--all-weights") { Description = "Try every 1/2 weighting of a candidate's terms, not only equal weights and one doubled term." };
        var topTerms = new Option<string?>("--top-terms") { Description = "Comma-separated proxies that may be added as a top term, top(p), to the best candidates by Kendall tau." };
        var topWeights = new Option<string>("--top-weights") { Description = "Comma-separated weights a top term may take.", DefaultValueFactory = _ => "0.25,0.5,1,2" };
        var bodies = new Option<int>("--bodies") { Description = "How many candidates, best by Kendall tau, get each top term added.", DefaultValueFactory = _ => 40 };
        var output = new Option<string?>("--out") { Description = "JSON report." };
        var command = new Command("select-score", "Choose a hybrid score on benchmark accuracy by cross-validated Kendall tau or by what a search would return.")
        {
            proxies, truth, metric, candidates, maxTerms, folds, seed, objective, eliteFraction, minKendall, allWeights, topTerms, topWeights, bodies, output,
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
            bool byElite = parse.GetValue(objective) == "elite";
            if (!byElite && (parse.GetValue(minKendall) is not null || parse.GetResult(eliteFraction) is { Implicit: false }))
                throw new ArgumentException("--elite-fraction and --min-kendall apply only with --objective elite.");
            string[] tops = parse.GetValue(topTerms)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
            // Membership of the top terms and positive weights are checked by ScoreSelection.
            double[] weights = parse.GetValue(topWeights)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(w => double.TryParse(w, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
                    ? v : throw new ArgumentException($"--top-weights: '{w}' is not a number.")).ToArray();
            var options = new ScoreSelectionOptions
            {
                MaxTerms = parse.GetValue(maxTerms),
                Folds = parse.GetValue(folds),
                Seed = parse.GetValue(seed),
                Objective = byElite ? SelectionObjective.Elite : SelectionObjective.Kendall,
                EliteFraction = parse.GetValue(eliteFraction),
                MinKendall = parse.GetValue(minKendall) ?? double.NegativeInfinity,
                AllWeights = parse.GetValue(allWeights),
                TopTerms = tops,
                TopWeights = weights,
                Bodies = parse.GetValue(bodies),
            };
            var result = ScoreSelection.Run(values, accuracy, options);
            int eliteRows = ScoreSelection.EliteCount(rows.Length, options.EliteFraction);
            string floor = byElite && double.IsFinite(options.MinKendall)
                ? string.Create(CultureInfo.InvariantCulture, $" with Kendall tau >= {options.MinKendall:0.###}")
                : "";
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"select-score: {result.Candidates} candidates over {names.Length} proxies, {rows.Length} architectures, {result.Folds.Count} folds, objective {(byElite ? $"elite ({eliteRows} rows on all)" : "kendall")}{floor}"));
            foreach (var f in result.Folds)
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  fold {f.Fold}: chose {f.Chosen} (train tau {f.TrainKendall:F4}, elite {f.TrainEliteAccuracy:F2}), held-out tau {f.TestKendall:F4}, elite {f.TestEliteAccuracy:F2}"));
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  cross-validated Kendall tau {result.CrossValidatedKendall:F4}, elite accuracy {result.CrossValidatedEliteAccuracy:F2}"));
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"chosen: {result.Chosen.Score} (Kendall tau {result.Chosen.Kendall:F4} on all rows, elite {result.Chosen.EliteAccuracy:F2}, top-ranked row {result.Chosen.TopAccuracy:F2})"));
            foreach (var c in result.Top.Skip(1).Take(9))
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  next: {c.Score} tau {c.Kendall:F4}, elite {c.EliteAccuracy:F2}, top-ranked row {c.TopAccuracy:F2}"));
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, Json.Serialize(new Dictionary<string, object?>
                {
                    ["proxies_file"] = table.Source,
                    ["n"] = rows.Length,
                    ["candidates"] = result.Candidates,
                    ["objective"] = byElite ? "elite" : "kendall",
                    ["elite_fraction"] = options.EliteFraction,
                    ["min_kendall"] = double.IsFinite(options.MinKendall) ? options.MinKendall : null,
                    ["all_weights"] = options.AllWeights,
                    ["top_terms"] = tops,
                    ["top_weights"] = weights,
                    ["bodies"] = options.Bodies,
                    ["chosen"] = result.Chosen,
                    ["cross_validated_kendall"] = Math.Round(result.CrossValidatedKendall, 4),
                    ["cross_validated_elite_accuracy"] = Math.Round(result.CrossValidatedEliteAccuracy, 4),
                    ["folds"] = result.Folds,
                    ["top"] = result.Top,
                }, indented: true));
            }
            return 0;
        }));
        return command;
    }
}

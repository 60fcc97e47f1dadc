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
        var proxies = new Option<string[]>("--proxies") { Description = "Proxy table CSV (ganas proxies output); several, comma-separated, are joined on index. Repeat the option (with one --truth each) to choose one score for several tables, e.g. both search spaces.", Required = true, Arity = ArgumentArity.OneOrMore };
        var truth = new Option<string[]>("--truth") { Description = "Benchmark table with accuracies (CIFAR-10: the only ground truth a default may be chosen on); one per --proxies.", Required = true, Arity = ArgumentArity.OneOrMore };
        var metric = new Option<string>("--metric") { Description = "Accuracy column.", DefaultValueFactory = _ => "test_acc" };
        var candidates = new Option<string?>("--candidates") { Description = "Comma-separated proxies to combine (default: every proxy column)." };
        var maxTerms = new Option<int>("--max-terms") { Description = "Most proxies in one score.", DefaultValueFactory = _ => 4 }.InRange(1, 8);
        var folds = new Option<int>("--folds") { Description = "Cross-validation folds.", DefaultValueFactory = _ => 5 }.InRange(2, 100);
        var seed = new Option<int>("--seed") { Description = "Seed of the fold shuffle.", DefaultValueFactory = _ => 0 };
        var objective = new Option<string>("--objective") { Description = "kendall: Kendall tau over all rows; elite: accuracy of the architecture the score ranks first within its own elite (what a search returns).", DefaultValueFactory = _ => "kendall" };
        objective.OneOf("kendall", "elite");
        var eliteFraction = new Option<double[]>("--elite-fraction") { Description = "With --objective elite: share of the rows in a score's elite, one for every table or one per --proxies (default 1,000 / rows: a 1,000-evaluation search's history; 0.064 on all of TSS).", Arity = ArgumentArity.OneOrMore }.InRange(0, 1, exclusiveMin: true);
        var minKendall = new Option<double?>("--min-kendall") { Description = "With --objective elite: candidates below this Kendall tau (on the rows chosen on) are not eligible." }.InRange(-1, 1);
        var allWeights = new Option<bool>("--all-weights") { Description = "Try every 1/2 weighting of a candidate's terms, not only equal weights and one doubled term." };
        var topTerms = new Option<string?>("--top-terms") { Description = "Comma-separated proxies that may be added as a top term, top(p), to the best candidates by Kendall tau." };
        var topWeights = new Option<string>("--top-weights") { Description = "Comma-separated weights a top term may take.", DefaultValueFactory = _ => "0.25,0.5,1,2" };
        var bodies = new Option<int>("--bodies") { Description = "How many candidates, best by Kendall tau, get each top term added.", DefaultValueFactory = _ => 40 }.InRange(1, 10_000);
        var validateProxies = new Option<string[]>("--validate-proxies") { Description = "Proxy table of a dataset the score is not chosen on (e.g. CIFAR-100 when choosing on CIFAR-10); the chosen score and the runners-up are measured on it and reported as validation. Repeatable, one --validate-truth each.", Arity = ArgumentArity.OneOrMore };
        var validateTruth = new Option<string[]>("--validate-truth") { Description = "Benchmark table with accuracies for each --validate-proxies.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string?>("--out") { Description = "JSON report." };
        var command = new Command("select-score", "Choose a hybrid score on benchmark accuracy by cross-validated Kendall tau or by what a search would return.")
        {
            proxies, truth, metric, candidates, maxTerms, folds, seed, objective, eliteFraction, minKendall, allWeights, topTerms, topWeights, bodies, validateProxies, validateTruth, output,
        };
        command.SetAction(parse => io.Guard(() =>
        {
            if (parse.GetValue(output) is { } report) OptionRules.EnsureWritable(report, "--out");
            string[] proxyFiles = parse.GetValue(proxies)!, truthFiles = parse.GetValue(truth)!;
            if (proxyFiles.Length != truthFiles.Length)
                throw new ArgumentException($"{proxyFiles.Length} --proxies but {truthFiles.Length} --truth: give one truth table per proxy table.");
            double[] fractions = parse.GetValue(eliteFraction) ?? [];
            bool byElite = parse.GetValue(objective) == "elite";
            if (!byElite && (parse.GetValue(minKendall) is not null || fractions.Length > 0))
                throw new ArgumentException("--elite-fraction and --min-kendall apply only with --objective elite.");
            if (fractions.Length > 1 && fractions.Length != proxyFiles.Length)
                throw new ArgumentException($"{fractions.Length} --elite-fraction values for {proxyFiles.Length} tables: give one for all or one per table.");
            string[] checkProxies = parse.GetValue(validateProxies) ?? [], checkTruth = parse.GetValue(validateTruth) ?? [];
            if (checkProxies.Length != checkTruth.Length)
                throw new ArgumentException($"{checkProxies.Length} --validate-proxies but {checkTruth.Length} --validate-truth: give one truth table per validation table.");
            var tables = new List<SelectionTable>();
            string[] names = [];
            SelectionTable Load(ProxyTable table, string truthFile, double? fraction)
            {
                var (rows, accuracy) = TruthJoin.Load(table, truthFile, parse.GetValue(metric)!);
                var values = new Dictionary<string, double[]>(StringComparer.Ordinal);
                foreach (string name in names)
                {
                    if (!table.Has(name)) throw new ArgumentException($"{table.Source} has no column '{name}' (columns: {string.Join(", ", table.ProxyNames)}).");
                    var column = table.Column(name);
                    values[name] = rows.Select(r => column[r]).ToArray();
                }
                return new SelectionTable(table.Source, values, accuracy, fraction ?? Math.Min(1.0, 1000.0 / rows.Length));
            }
            for (int t = 0; t < proxyFiles.Length; t++)
            {
                ProxyTable table = ProxyTable.ReadMany(proxyFiles[t]);
                // The first table's columns are the candidates unless --candidates names them.
                if (t == 0)
                {
                    names = parse.GetValue(candidates) is { } list
                        ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        : table.ProxyNames.ToArray();
                }
                tables.Add(Load(table, truthFiles[t], fractions.Length == 0 ? null : fractions[fractions.Length == 1 ? 0 : t]));
            }
            // A validation table's elite is the same share of its rows as the selection's when one fraction is given for all.
            var checks = checkProxies.Select((p, v) => Load(ProxyTable.ReadMany(p), checkTruth[v], fractions.Length == 1 ? fractions[0] : null)).ToList();
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
                MinKendall = parse.GetValue(minKendall) ?? double.NegativeInfinity,
                AllWeights = parse.GetValue(allWeights),
                TopTerms = tops,
                TopWeights = weights,
                Bodies = parse.GetValue(bodies),
            };
            var result = ScoreSelection.RunJoint(tables, options);
            string floor = byElite && double.IsFinite(options.MinKendall)
                ? string.Create(CultureInfo.InvariantCulture, $" with Kendall tau >= {options.MinKendall:0.###}{(tables.Count > 1 ? " on every table" : "")}")
                : "";
            string what = byElite ? (tables.Count > 1 ? "elite (smallest worst regret, then summed regret)" : "elite") : (tables.Count > 1 ? "kendall (smallest over tables)" : "kendall");
            io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"select-score: {result.Candidates} candidates over {names.Length} proxies, {result.Folds.Count} folds, objective {what}{floor}"));
            foreach (var t in tables)
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  table {t.Name}: {t.Accuracy.Count} architectures, elite {ScoreSelection.EliteCount(t.Accuracy.Count, t.EliteFraction)} rows (fraction {t.EliteFraction:0.####}), best {t.Accuracy.Max():F2}"));
            string Per(IReadOnlyList<CandidateOnTable> c) => string.Join("; ", c.Select(x => string.Create(CultureInfo.InvariantCulture, $"tau {x.Kendall:F4}, elite {x.EliteAccuracy:F2}")));
            foreach (var f in result.Folds)
                io.Out.WriteLine($"  fold {f.Fold}: chose {f.Chosen} (train {Per(f.Train)}), held-out {Per(f.Test)}");
            for (int t = 0; t < tables.Count; t++)
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  cross-validated{(tables.Count > 1 ? $" on {tables[t].Name}" : "")}: Kendall tau {result.CrossValidatedKendall(t):F4}, elite accuracy {result.CrossValidatedEliteAccuracy(t):F2}"));
            string All(CandidateResult c) => string.Join("; ", c.Tables.Select(x => string.Create(CultureInfo.InvariantCulture, $"tau {x.Kendall:F4}, elite {x.EliteAccuracy:F2}, top-ranked row {x.TopAccuracy:F2}")));
            io.Out.WriteLine($"chosen: {result.Chosen.Score} (on all rows: {All(result.Chosen)})");
            foreach (var c in result.Top.Skip(1).Take(9))
                io.Out.WriteLine($"  next: {c.Score} {All(c)}");
            // Validation: the chosen score and the runners-up printed above, on tables they were not chosen on.
            HybridScore[] measured = result.Top.Take(10).Select(c => HybridScore.Parse(c.Score)).ToArray();
            var validation = checks.Select(check => (Table: check, Results: ScoreSelection.Validate(measured, check))).ToList();
            foreach (var (check, results) in validation)
            {
                io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"validation on {check.Name} (not chosen on): {check.Accuracy.Count} architectures, elite {ScoreSelection.EliteCount(check.Accuracy.Count, check.EliteFraction)} rows, best {check.Accuracy.Max():F2}"));
                for (int c = 0; c < results.Count; c++)
                    io.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  {(c == 0 ? "chosen" : "next")}: {results[c].Score} tau {results[c].Kendall:F4}, elite {results[c].EliteAccuracy:F2}, top-ranked row {results[c].TopAccuracy:F2}"));
            }
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, Json.Serialize(new Dictionary<string, object?>
                {
                    ["proxies_file"] = tables.Count == 1 ? tables[0].Name : tables.Select(t => t.Name).ToArray(),
                    ["n"] = tables.Count == 1 ? tables[0].Accuracy.Count : tables.Select(t => t.Accuracy.Count).ToArray(),
                    ["candidates"] = result.Candidates,
                    ["objective"] = byElite ? "elite" : "kendall",
                    ["elite_fraction"] = tables.Count == 1 ? tables[0].EliteFraction : tables.Select(t => t.EliteFraction).ToArray(),
                    ["min_kendall"] = double.IsFinite(options.MinKendall) ? options.MinKendall : null,
                    ["all_weights"] = options.AllWeights,
                    ["top_terms"] = tops,
                    ["top_weights"] = weights,
                    ["bodies"] = options.Bodies,
                    ["chosen"] = tables.Count == 1 ? result.Chosen.Tables[0] : result.Chosen,
                    ["cross_validated_kendall"] = tables.Count == 1 ? Math.Round(result.CrossValidatedKendall(0), 4) : Enumerable.Range(0, tables.Count).Select(t => Math.Round(result.CrossValidatedKendall(t), 4)).ToArray(),
                    ["cross_validated_elite_accuracy"] = tables.Count == 1 ? Math.Round(result.CrossValidatedEliteAccuracy(0), 4) : Enumerable.Range(0, tables.Count).Select(t => Math.Round(result.CrossValidatedEliteAccuracy(t), 4)).ToArray(),
                    ["folds"] = result.Folds,
                    ["top"] = tables.Count == 1 ? result.Top.Select(c => c.Tables[0]).ToArray() : result.Top,
                    ["validation"] = validation.Select(v => new Dictionary<string, object?>
                    {
                        ["proxies_file"] = v.Table.Name,
                        ["n"] = v.Table.Accuracy.Count,
                        ["elite_fraction"] = v.Table.EliteFraction,
                        ["best_accuracy"] = v.Table.Accuracy.Max(),
                        ["results"] = v.Results,
                    }).ToArray(),
                }, indented: true));
            }
            return 0;
        }));
        return command;
    }
}

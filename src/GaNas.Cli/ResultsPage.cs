using System.Globalization;
using System.Text;
using System.Text.Json;
using GaNas.Benchmarks;

namespace GaNas.Cli;

/// <summary>
/// One results page per search space (<c>ganas summarize --page tss</c>): rows = the default score's GA and RS, the
/// paper's GA-rk, the size baselines, the best single proxy, the space's optimum and published anchors; columns = the
/// three datasets. Every cell comes from a bench JSON file (or, for anchors, the anchors CSV): a dataset whose bench has
/// no ground truth shows the architectures its runs returned. Datasets the default score was chosen on are marked in-sample.
/// </summary>
internal static class ResultsPage
{
    private static readonly string[] Datasets = ["cifar10", "cifar100", "imagenet16-120"];
    private static readonly string[] SingleProxies = ["ni", "naswot", "logsynflow"];

    public static string Build(string folder, string space, string? anchorsPath, IReadOnlyCollection<string> inSample)
    {
        var page = new StringBuilder();
        string? defaultScore = null;
        void Row(string label, Func<string, string> cell) => page.Append("| ").Append(label).Append(" | ").AppendJoin(" | ", Datasets.Select(cell)).Append(" |\n");
        Bench? Load(string dataset, string key)
        {
            string path = Path.Combine(folder, $"{space}-{dataset}-{key}.json");
            return File.Exists(path) ? Bench.Read(path) : null;
        }
        page.Append("| method | ").AppendJoin(" | ", Datasets.Select(d => Heading(d, inSample.Contains(d), Load(d, "ga-default")?.MeanTest is not null))).Append(" |\n");
        page.Append("|---|").Append(string.Concat(Datasets.Select(_ => "---|"))).Append('\n');
        foreach (string dataset in Datasets) defaultScore ??= Load(dataset, "ga-default")?.Score;
        if (defaultScore is null) throw new FileNotFoundException($"No '{space}-*-ga-default.json' bench in '{folder}' (benchmarks/reproduce.sh writes them).");
        static string MarkIn(IReadOnlyCollection<string> chosenOn, string dataset, string text) => chosenOn.Contains(dataset) && text.Length > 0 && !text.StartsWith('`') ? text + " (in-sample)" : text;
        string Mark(string dataset, string text) => MarkIn(inSample, dataset, text);
        // The default may re-score its finalists (FinalistRescoring); its row then says so, and the score alone gets a row.
        string? rescoring = Datasets.Select(d => Load(d, "ga-default")?.Rescoring).FirstOrDefault(r => r is not null);
        string withRescoring = rescoring is null ? "" : $", best {rescoring} more initialisations";
        Row($"GA-{defaultScore}{withRescoring} (default)", d => Mark(d, Load(d, "ga-default")?.Cell() ?? ""));
        Row($"RS-{defaultScore}{withRescoring} (random search of 1,000 by the default)", d => Mark(d, Load(d, "rs-default")?.Accuracy() ?? ""));
        if (rescoring is not null && Datasets.Any(d => Load(d, "ga-" + defaultScore) is not null))
            Row($"GA-{defaultScore} without re-scoring", d => Mark(d, Load(d, "ga-" + defaultScore)?.Cell() ?? ""));
        // The score the same selection chose on CIFAR-10 alone: its CIFAR-100 column is a validation figure.
        string cifar10Choice = space == "sss" ? "srk" : "trk";
        if (Datasets.Any(d => Load(d, "ga-" + cifar10Choice) is not null) && cifar10Choice != defaultScore)
            Row($"GA-{cifar10Choice} (the earlier default, chosen on CIFAR-10 alone: its CIFAR-100 is validation)", d => MarkIn(["cifar10"], d, Load(d, "ga-" + cifar10Choice)?.Cell() ?? ""));
        Row("GA-rk (the paper's)", d => Load(d, "ga-rk")?.Cell() ?? "");
        Row("largest network (GA by params)", d => Load(d, "ga-params")?.Cell() ?? "");
        Row("RS by params", d => Load(d, "rs-params")?.Accuracy() ?? "");
        Row("best single proxy (RS by NI, NASWOT or LogSynFlow)", d =>
        {
            var best = SingleProxies.Select(p => (Proxy: p, Bench: Load(d, "rs-" + p))).Where(b => b.Bench?.MeanTest is not null)
                .OrderByDescending(b => b.Bench!.MeanTest).FirstOrDefault();
            return best.Bench is null ? "" : $"{best.Bench.Accuracy()} ({best.Proxy})";
        });
        Row("space optimum (ground truth)", d => Load(d, "ga-default")?.Optimum() is { } o ? o.ToString("F2", CultureInfo.InvariantCulture) : "withheld");
        if (anchorsPath is not null)
        {
            CsvTable anchors = CsvTable.Read(anchorsPath);
            int iSpace = anchors.Column("space"), iMethod = anchors.Column("method");
            for (int r = 0; r < anchors.Rows.Count; r++)
            {
                if (!anchors.Rows[r][iSpace].Equals(space, StringComparison.OrdinalIgnoreCase)) continue;
                Row(anchors.Rows[r][iMethod], d => anchors.Number(r, anchors.Column(d)).ToString("F2", CultureInfo.InvariantCulture));
            }
        }
        return page.ToString();
    }

    private static string Heading(string dataset, bool inSample, bool truth) => dataset switch
    {
        "cifar10" => "CIFAR-10",
        "cifar100" => "CIFAR-100",
        _ => "ImageNet16-120",
    } + (inSample ? " (choice data)" : truth ? " (validation)" : " (ground truth withheld)");

    /// <summary>What a row needs from one bench JSON file.</summary>
    private sealed record Bench(string Path, string Score, double? MeanTest, double? StdTest, string? Truth, string[] Architectures)
    {
        /// <summary>"N re-scored under R" when the bench re-scored its finalists, else null.</summary>
        public string? Rescoring { get; init; }

        public static Bench Read(string path)
        {
            using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(path));
            JsonElement root = doc.RootElement;
            JsonElement summary = root.GetProperty("summary");
            bool truth = summary.TryGetProperty("test_acc", out JsonElement test) && test.ValueKind == JsonValueKind.Object;
            string[] archs = root.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("arch").GetString()
                ?? throw new InvalidDataException($"{path}: a run without an architecture.")).ToArray();
            string? rescoring = root.TryGetProperty("finalists", out JsonElement f) && f.ValueKind == JsonValueKind.Object
                ? string.Create(CultureInfo.InvariantCulture, $"{f.GetProperty("count").GetInt32()} re-scored under {f.GetProperty("repeats").GetInt32()}")
                : null;
            return new Bench(path, root.GetProperty("score").GetString()!, truth ? test.GetProperty("mean").GetDouble() : null,
                truth ? test.GetProperty("std").GetDouble() : null,
                root.TryGetProperty("truth", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null, archs)
            {
                Rescoring = rescoring,
            };
        }

        public string Accuracy() => MeanTest is { } m ? string.Create(CultureInfo.InvariantCulture, $"{m:F2} ± {StdTest:F2}") : "";

        /// <summary>The accuracy, or without ground truth the architectures the runs returned (most frequent first, at most three).</summary>
        public string Cell() => MeanTest is not null ? Accuracy() : string.Join(", ", Architectures.GroupBy(a => a, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Take(3)
            .Select(g => $"`{g.Key.Replace("|", "\\|", StringComparison.Ordinal)}` ({g.Count()})"));

        /// <summary>The best test accuracy of the ground-truth file the bench was run with.</summary>
        public double? Optimum()
        {
            if (Truth is null || MeanTest is null) return null;
            // A relative path is the one reproduce.sh gave, from the repository root: found from here, or from the root
            // the results folder (benchmarks/results) is in.
            string path = Truth;
            if (!File.Exists(path) && !System.IO.Path.IsPathRooted(path))
                path = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!, "..", "..", Truth);
            if (!File.Exists(path)) throw new FileNotFoundException($"{Path}: its ground truth '{Truth}' is not found (from here or from the repository the results are in).");
            CsvTable table = CsvTable.Read(path);
            int column = table.Column("test_acc");
            return Enumerable.Range(0, table.Rows.Count).Max(r => table.Number(r, column));
        }
    }
}

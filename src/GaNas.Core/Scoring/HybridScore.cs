using GaNas.SearchSpaces;
using System.Globalization;

namespace GaNas.Scoring;

/// <summary>How per-proxy ranks are combined.</summary>
public enum RankAggregation
{
    /// <summary>Weighted sum of ranks (the paper's "rk").</summary>
    Linear,
    /// <summary>Weighted sum of log(rank / n) (AZ-NAS style): a candidate bad in one proxy is punished harder.</summary>
    Log,
}

/// <summary>One weighted term of a hybrid score.</summary>
/// <param name="Proxy">Proxy name.</param>
/// <param name="Weight">Weight of its rank.</param>
/// <param name="Top">
/// A top term (text form <c>top(proxy)</c>): instead of the score's aggregation it adds log(n / (n - rank + 1)),
/// zero for the pool's worst and log n for its best, the mirror image of log(rank / n). It rewards being first in
/// the proxy while barely separating the rest of the pool, for a proxy that orders the best candidates well but
/// the whole space poorly.
/// </param>
public readonly record struct ScoreTerm(string Proxy, double Weight, bool Top = false);

/// <summary>
/// A score over a pool of candidates: a single proxy (its raw value), or a hybrid of proxies whose
/// ranks within the pool are weighted and summed. A rank only means something relative to its
/// pool, so the pool is explicit: a GA's population plus offspring, an SA neighbourhood, all the
/// samples of random search. The paper's "rk" = NI + NASWOT + LogSynFlow, weights 1, linear; "lrk" is a log-rank
/// hybrid chosen by cross-validated Kendall tau on CIFAR-10; "trk" and "srk" add a top term chosen on CIFAR-10 by what a search returns;
/// this project's defaults "ctrk" on TSS (see <see cref="TopologyDefault"/>) and "csrk" on SSS (<see cref="SizeDefault"/>) were chosen the
/// same way on CIFAR-10 and CIFAR-100 together.
/// Text form: <c>rk</c>, <c>lrk</c>, <c>trk</c>, <c>srk</c>, <c>ctrk</c>, <c>csrk</c>, <c>default</c> (the space's default, <see cref="Parse(string, ISearchSpace?)"/>), <c>naswot</c>, <c>naswot+logsynflow</c>, <c>2*naswot+ni</c>, <c>log:naswot+ni</c>,
/// <c>log:naswot+2*meco+0.5*top(az_progressivity)</c> (a top term, see <see cref="ScoreTerm.Top"/>).
/// </summary>
public sealed class HybridScore
{
    /// <summary>The largest weight a term may have: far above any useful weight, far below where sums of ranks lose precision.</summary>
    public const double MaxWeight = 1e6;

    /// <summary>The paper's proxies.</summary>
    public static IReadOnlyList<string> PaperProxies { get; } = ["ni", "naswot", "logsynflow"];

    /// <summary>Creates a score.</summary>
    public HybridScore(IReadOnlyList<ScoreTerm> terms, RankAggregation aggregation, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(terms);
        if (terms.Count == 0) throw new ArgumentException("A score needs at least one proxy.", nameof(terms));
        if (terms.Any(t => !(t.Weight > 0) || t.Weight > MaxWeight))
            throw new ArgumentException($"Score weights must be positive and at most {MaxWeight:G}; got {string.Join(", ", terms.Where(t => !(t.Weight > 0) || t.Weight > MaxWeight).Select(t => t.Weight.ToString(CultureInfo.InvariantCulture)))}.", nameof(terms));
        if (terms.Select(t => t.Proxy).Distinct(StringComparer.OrdinalIgnoreCase).Count() != terms.Count) throw new ArgumentException("A proxy appears twice in the score.", nameof(terms));
        Terms = terms;
        Aggregation = aggregation;
        Name = name ?? Describe(terms, aggregation);
    }

    /// <summary>The paper's hybrid score rk = rank(NI) + rank(NASWOT) + rank(LogSynFlow).</summary>
    public static HybridScore PaperRk { get; } = new(PaperProxies.Select(p => new ScoreTerm(p, 1)).ToArray(), RankAggregation.Linear, "rk");

    /// <summary>
    /// "lrk" = log:az_expressivity + logsynflow + 2*meco + synflow: the sum of log(rank / n) of AZ-NAS expressivity,
    /// LogSynFlow, MeCo (weight 2) and SynFlow. Chosen with <c>ganas select-score</c> for the best whole-space Kendall tau
    /// among sets of up to four forward-only proxies, on TSS CIFAR-10 ground truth only, with cross-validation. It needs
    /// one clean forward pass and the SynFlow pass (no noisy pass, no NASWOT kernel), so it is cheaper than rk. Its best
    /// architectures rank well overall but not at the very top. Figures: docs/scores.md.
    /// </summary>
    public static HybridScore LogRank { get; } = new(
        [new ScoreTerm("az_expressivity", 1), new ScoreTerm("logsynflow", 1), new ScoreTerm("meco", 2), new ScoreTerm("synflow", 1)],
        RankAggregation.Log, "lrk");

    /// <summary>
    /// "trk" = log:2*az_expressivity + 2*logsynflow + meco + synflow + 0.5*top(az_progressivity), the TSS default until
    /// <see cref="TopologyDefault"/>: a log-rank body that orders the whole space, plus a top term (<see cref="ScoreTerm.Top"/>)
    /// of AZ-NAS progressivity, which orders the best architectures well and the rest poorly. Chosen with <c>ganas select-score
    /// --objective elite --min-kendall 0.75</c> on all TSS architectures with CIFAR-10 ground truth only. Figures: docs/scores.md.
    /// </summary>
    public static HybridScore TopologyCifar10 { get; } = new(
        [new ScoreTerm("az_expressivity", 2), new ScoreTerm("logsynflow", 2), new ScoreTerm("meco", 1), new ScoreTerm("synflow", 1), new ScoreTerm("az_progressivity", 0.5, Top: true)],
        RankAggregation.Log, "trk");

    /// <summary>
    /// "srk" = log:2*az_expressivity + 2*ni + synflow + 0.25*top(az_progressivity), the SSS default until <see cref="SizeDefault"/>.
    /// Chosen like <see cref="TopologyCifar10"/> but on all SSS architectures with CIFAR-10 ground truth only. Figures: docs/scores.md.
    /// </summary>
    public static HybridScore SizeCifar10 { get; } = new(
        [new ScoreTerm("az_expressivity", 2), new ScoreTerm("ni", 2), new ScoreTerm("synflow", 1), new ScoreTerm("az_progressivity", 0.25, Top: true)],
        RankAggregation.Log, "srk");

    /// <summary>
    /// The project's default score on the topology space (TSS), "ctrk" = log:logsynflow + 2*meco + naswot + 0.5*top(az_progressivity).
    /// Chosen on both CIFAR tables of TSS: <c>ganas select-score --objective elite</c> over CIFAR-10 and CIFAR-100 together
    /// (smallest worst regret), then the finalists searched with the GA (<c>benchmarks/finalists.sh</c>) and the smallest
    /// worst regret of what the GA returns kept. Both CIFAR figures are in-sample; choosing on one and validating on the other,
    /// and ImageNet16-120 (never seen), are the tests. Needs one clean forward pass and the SynFlow pass. Figures: docs/scores.md.
    /// </summary>
    public static HybridScore TopologyDefault { get; } = new(
        [new ScoreTerm("logsynflow", 1), new ScoreTerm("meco", 2), new ScoreTerm("naswot", 1), new ScoreTerm("az_progressivity", 0.5, Top: true)],
        RankAggregation.Log, "ctrk");

    /// <summary>
    /// The project's default score on the size space (SSS), "csrk" = log:2*az_progressivity + 2*logsynflow + params + synflow + 0.25*top(az_expressivity).
    /// Chosen like <see cref="TopologyDefault"/>, on both CIFAR tables of SSS. MeCo is absent: it anti-correlates with accuracy on
    /// SSS, where wider layers have more nearly redundant channels; so the default depends on the space (<see cref="DefaultFor"/>).
    /// Figures: docs/scores.md.
    /// </summary>
    public static HybridScore SizeDefault { get; } = new(
        [new ScoreTerm("az_progressivity", 2), new ScoreTerm("logsynflow", 2), new ScoreTerm("params", 1), new ScoreTerm("synflow", 1), new ScoreTerm("az_expressivity", 0.25, Top: true)],
        RankAggregation.Log, "csrk");

    /// <summary>The name that stands for the search space's default score (<see cref="DefaultFor"/>).</summary>
    public const string DefaultName = "default";

    /// <summary>Whether <paramref name="name"/> is <see cref="DefaultName"/> (case and surrounding spaces aside).</summary>
    public static bool IsDefaultName(string? name) => string.Equals(name?.Trim(), DefaultName, StringComparison.OrdinalIgnoreCase);

    /// <summary>The project's default score for a search space: <see cref="TopologyDefault"/> ("ctrk") on TSS, <see cref="SizeDefault"/> ("csrk") on SSS.</summary>
    public static HybridScore DefaultFor(ISearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return space switch
        {
            TopologySearchSpace => TopologyDefault,
            SizeSearchSpace => SizeDefault,
            _ => throw new ArgumentException($"No default score is chosen for search space '{space.Name}'; name one (e.g. trk, srk, rk).", nameof(space)),
        };
    }

    private static readonly Lazy<Registry<HybridScore>> NamedScores = new(() =>
    {
        var r = new Registry<HybridScore>("named score");
        r.Register("rk", "The paper's NI + NASWOT + LogSynFlow linear rank sum, for reproduction.", PaperRk);
        r.Register("lrk", "Log-rank hybrid with the best cross-validated whole-space Kendall tau on TSS CIFAR-10.", LogRank);
        r.Register("trk", "Log-rank hybrid with a top term, chosen on TSS CIFAR-10 by what a search returns (the TSS default before ctrk).", TopologyCifar10);
        r.Register("srk", "Log-rank hybrid with a top term, chosen on SSS CIFAR-10 by what a search returns (the SSS default before csrk).", SizeCifar10);
        r.Register("ctrk", "TSS default: log-rank hybrid with a top term, chosen on TSS CIFAR-10 and CIFAR-100 together by what the GA returns.", TopologyDefault);
        r.Register("csrk", "SSS default: log-rank hybrid with a top term, chosen on SSS CIFAR-10 and CIFAR-100 together by what the GA returns.", SizeDefault);
        return r;
    });

    /// <summary>Named scores: "rk" (the paper's), "lrk" (cross-validated Kendall tau), "trk" and "srk" (chosen on CIFAR-10), "ctrk" and "csrk" (the project's defaults on TSS and SSS), and any registered since.</summary>
    public static IReadOnlyDictionary<string, HybridScore> Named =>
        NamedScores.Value.Entries.ToDictionary(e => e.Name, e => e.Item, StringComparer.OrdinalIgnoreCase);

    /// <summary>Every named score with its description.</summary>
    public static IReadOnlyList<RegistryEntry<HybridScore>> NamedEntries => NamedScores.Value.Entries;

    /// <summary>Registers a named score (usable wherever a score is parsed); a name that is taken, or "default", is refused.</summary>
    public static void RegisterNamed(string name, string description, HybridScore score)
    {
        if (IsDefaultName(name))
            throw new ArgumentException("'default' names the space's default score and cannot be registered.", nameof(name));
        NamedScores.Value.Register(name!, description, score);
    }

    /// <summary>The weighted proxies.</summary>
    public IReadOnlyList<ScoreTerm> Terms { get; }

    /// <summary>How ranks are combined.</summary>
    public RankAggregation Aggregation { get; }

    /// <summary>Display name.</summary>
    public string Name { get; }

    /// <summary>The proxies the score needs.</summary>
    public IReadOnlyList<string> Proxies => Terms.Select(t => t.Proxy).ToArray();

    /// <summary>Whether the score is a single proxy's raw value (no ranking needed; a lone top term orders the same way).</summary>
    public bool IsSingleProxy => Terms.Count == 1;

    /// <summary>The contribution of rank <paramref name="rank"/> (1 = worst, <paramref name="n"/> = best) of one term.</summary>
    public static double RankTerm(double rank, int n, RankAggregation aggregation, bool top) =>
        top ? Math.Log(n / (n - rank + 1))
        : aggregation == RankAggregation.Linear ? rank
        : Math.Log(rank / n);

    /// <summary>
    /// Scores every candidate of a pool; higher is better. <paramref name="valueOf"/> gives the
    /// value of a proxy for candidate i. A single proxy is scored by its value (failures get
    /// -infinity); a hybrid by its weighted (log-)rank sum within the pool.
    /// </summary>
    public double[] Score(int poolSize, Func<int, string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        var total = new double[poolSize];
        if (poolSize == 0) return total;
        if (IsSingleProxy)
        {
            for (int i = 0; i < poolSize; i++)
            {
                double v = valueOf(i, Terms[0].Proxy);
                total[i] = double.IsFinite(v) ? v : double.NegativeInfinity;
            }
            return total;
        }
        return RankSum(proxy =>
        {
            var values = new double[poolSize];
            for (int i = 0; i < poolSize; i++) values[i] = valueOf(i, proxy);
            return Ranking.AverageRanks(values);
        }, poolSize);
    }

    /// <summary>
    /// The weighted (log-)rank sum over a pool of <paramref name="poolSize"/> from each proxy's average ranks within it
    /// (1 = worst; <paramref name="ranksOf"/>): the hybrid form of <see cref="Score"/>, for callers that rank once and
    /// score many candidates. A single proxy gives its rank, which orders as its value.
    /// </summary>
    public double[] RankSum(Func<string, double[]> ranksOf, int poolSize)
    {
        ArgumentNullException.ThrowIfNull(ranksOf);
        var total = new double[poolSize];
        RankAggregation aggregation = IsSingleProxy ? RankAggregation.Linear : Aggregation;
        foreach (ScoreTerm term in Terms)
        {
            double[] ranks = ranksOf(term.Proxy);
            if (ranks.Length != poolSize) throw new ArgumentException($"{ranks.Length} ranks of '{term.Proxy}' for a pool of {poolSize}.", nameof(ranksOf));
            for (int i = 0; i < poolSize; i++)
                total[i] += term.Weight * RankTerm(ranks[i], poolSize, aggregation, term.Top);
        }
        return total;
    }

    /// <summary>Parses the text form (see the class summary); "default" is the space's default score (<see cref="DefaultFor"/>).</summary>
    /// <param name="text">The score.</param>
    /// <param name="space">The search space the score is for; needed only for "default".</param>
    public static HybridScore Parse(string text, ISearchSpace? space)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!IsDefaultName(text)) return Parse(text);
        return space is null ? throw new FormatException("Score 'default' depends on the search space (ctrk on tss, csrk on sss); name one of them here.") : DefaultFor(space);
    }

    /// <summary>Parses the text form (see the class summary); "default" needs the space (<see cref="Parse(string, ISearchSpace?)"/>).</summary>
    public static HybridScore Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim();
        if (s.Length == 0) throw new FormatException("The score is empty.");
        if (IsDefaultName(s)) return Parse(s, null);
        if (NamedScores.Value.TryGet(s, out HybridScore named)) return named;
        var aggregation = RankAggregation.Linear;
        if (s.StartsWith("log:", StringComparison.OrdinalIgnoreCase))
        {
            aggregation = RankAggregation.Log;
            s = s[4..];
        }
        var terms = new List<ScoreTerm>();
        foreach (string part in s.Split('+', StringSplitOptions.TrimEntries))
        {
            if (part.Length == 0) throw new FormatException($"Score '{text}' has an empty term.");
            double weight = 1;
            string proxy = part;
            int star = part.IndexOf('*', StringComparison.Ordinal);
            if (star >= 0)
            {
                if (!double.TryParse(part[..star], NumberStyles.Float, CultureInfo.InvariantCulture, out weight))
                    throw new FormatException($"Score '{text}': weight '{part[..star]}' is not a number.");
                proxy = part[(star + 1)..].Trim();
            }
            bool top = false;
            if (proxy.StartsWith("top(", StringComparison.OrdinalIgnoreCase))
            {
                if (!proxy.EndsWith(')')) throw new FormatException($"Score '{text}': '{proxy}' lacks its closing parenthesis.");
                proxy = proxy[4..^1].Trim();
                top = true;
            }
            if (proxy.Length == 0 || proxy.IndexOfAny(['(', ')', '*', ' ']) >= 0)
                throw new FormatException($"Score '{text}': '{part}' is not a proxy name.");
            if (NamedScores.Value.TryGet(proxy, out HybridScore inner))
                throw new FormatException($"Score '{text}': '{inner.Name}' stands alone; write its terms ({string.Join('+', inner.Terms.Select(t => t.Proxy))}) to combine them with others.");
            terms.Add(new ScoreTerm(proxy.ToLowerInvariant(), weight, top));
        }
        return new HybridScore(terms, aggregation);
    }

    /// <summary>The score's formula in the text form (a named score's name is not its formula).</summary>
    public string Describe() => Describe(Terms, Aggregation);

    private static string Describe(IReadOnlyList<ScoreTerm> terms, RankAggregation aggregation) =>
        (aggregation == RankAggregation.Log ? "log:" : string.Empty) +
        string.Join('+', terms.Select(t =>
        {
            string proxy = t.Top ? $"top({t.Proxy})" : t.Proxy;
            return t.Weight == 1 ? proxy : $"{t.Weight.ToString(CultureInfo.InvariantCulture)}*{proxy}";
        }));

    /// <inheritdoc />
    public override string ToString() => Name;
}

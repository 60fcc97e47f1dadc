using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>
/// Base of the search strategies: a tuner that knows genomes and scores, never networks. It keeps
/// the <see cref="SearchHistory"/>, guarantees that no architecture is proposed twice, and draws
/// all randomness from one seeded generator, so the same seed gives the same search.
/// </summary>
public abstract class SearchStrategy : ITuner
{
    private readonly HashSet<Genome> _pending = [];

    /// <summary>Creates the strategy.</summary>
    protected SearchStrategy(ISearchSpace space, HybridScore score, int seed)
    {
        Space = space ?? throw new ArgumentNullException(nameof(space));
        History = new SearchHistory(score ?? throw new ArgumentNullException(nameof(score)));
        Seed = seed;
        Random = new Random(seed);
    }

    /// <summary>Short name (rs, ga, sa, rea).</summary>
    public abstract string Name { get; }

    /// <summary>The options that define the search, for checkpoints and reports.</summary>
    public abstract string Settings { get; }

    /// <summary>The search space.</summary>
    public ISearchSpace Space { get; }

    /// <summary>What has been evaluated.</summary>
    public SearchHistory History { get; }

    /// <summary>The seed.</summary>
    public int Seed { get; }

    /// <summary>The strategy's only source of randomness.</summary>
    protected Random Random { get; }

    /// <summary>Identifies the search for checkpoint validation: strategy, settings, score, space, seed.</summary>
    public string Fingerprint => $"{Name}({Settings}) score={History.Score.Name} space={Space.Name} seed={Seed}";

    /// <inheritdoc />
    public Parameter Propose(TrialSettings settings)
    {
        Genome genome = Next();
        if (History.Contains(genome) || !_pending.Add(genome))
            throw new InvalidOperationException($"{Name} proposed {Space.Format(genome)} twice; strategies must propose new architectures only.");
        return new Parameter(genome, Space.Format(genome));
    }

    /// <inheritdoc />
    public void Update(TrialResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _pending.Remove(result.Genome);
        History.Add(result);
        Learn(result);
    }

    /// <summary>
    /// How many architectures can be proposed now without waiting for a pending result. Proposals made
    /// within this allowance do not depend on the pending results, so evaluating them concurrently and
    /// applying the results in proposal order gives exactly the sequential search. Default: one, when
    /// nothing is pending (strictly sequential strategies).
    /// </summary>
    public virtual int ProposalsReady => PendingCount == 0 ? 1 : 0;

    /// <summary>Proposed architectures whose results have not arrived yet.</summary>
    protected int PendingCount => _pending.Count;

    /// <summary>The next architecture to evaluate (not evaluated or pending).</summary>
    protected abstract Genome Next();

    /// <summary>Takes a finished trial into account (it is already in <see cref="History"/>).</summary>
    protected abstract void Learn(TrialResult result);

    /// <summary>Whether an architecture was evaluated or is being evaluated.</summary>
    protected bool Seen(Genome genome) => History.Contains(genome) || _pending.Contains(genome);

    /// <summary>
    /// A genome from <paramref name="candidate"/> that was not seen; after <paramref name="tries"/>
    /// seen candidates, mutations of the last one, then uniform samples; throws when the space is exhausted.
    /// </summary>
    protected Genome Fresh(Func<Genome> candidate, int tries = 20)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        Genome g = candidate();
        for (int i = 1; i < tries && Seen(g); i++) g = candidate();
        for (int i = 0; i < tries && Seen(g); i++) g = Space.Mutate(g, Random);
        if (!Seen(g)) return g;
        if (History.Count + _pending.Count >= Space.Size) throw new InvalidOperationException($"The {Space.Name} space is exhausted: all {Space.Size} architectures were evaluated.");
        for (int i = 0; i < 100_000; i++)
        {
            g = Space.Sample(Random);
            if (!Seen(g)) return g;
        }
        // Very full spaces: walk the codes from a random start.
        long start = (long)(Random.NextDouble() * Space.Size);
        for (long k = 0; k < Space.Size; k++)
        {
            g = Space.Decode((start + k) % Space.Size);
            if (!Seen(g)) return g;
        }
        throw new InvalidOperationException($"The {Space.Name} space is exhausted.");
    }

    /// <summary>
    /// A tournament: <paramref name="size"/> indices of <paramref name="fitness"/> drawn with replacement from the
    /// strategy's random stream; the fittest of them (the first drawn on ties).
    /// </summary>
    protected int TournamentWinner(IReadOnlyList<double> fitness, int size)
    {
        ArgumentNullException.ThrowIfNull(fitness);
        int best = -1;
        for (int i = 0; i < size; i++)
        {
            int c = Random.Next(fitness.Count);
            if (best < 0 || fitness[c] > fitness[best]) best = c;
        }
        return best;
    }
}

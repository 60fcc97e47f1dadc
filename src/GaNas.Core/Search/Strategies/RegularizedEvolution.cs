using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>Options of <see cref="RegularizedEvolution"/>.</summary>
public sealed class RegularizedEvolutionOptions
{
    /// <summary>Population size.</summary>
    public int PopulationSize { get; init; } = 100;

    /// <summary>Individuals sampled per tournament.</summary>
    public int TournamentSize { get; init; } = 25;

    /// <summary>Throws naming the first invalid option.</summary>
    public void Validate()
    {
        if (PopulationSize < 2) throw new ArgumentOutOfRangeException(nameof(PopulationSize), PopulationSize, "The population needs at least 2 individuals.");
        if (TournamentSize < 1 || TournamentSize > PopulationSize) throw new ArgumentOutOfRangeException(nameof(TournamentSize), TournamentSize, "The tournament size must be in 1..population size.");
    }
}

/// <summary>
/// Regularised (aging) evolution (Real et al.; FreeREA): a tournament of sampled individuals picks a
/// parent by the score ranked within the population, its mutated child joins, and the oldest dies.
/// </summary>
public sealed class RegularizedEvolution : SearchStrategy
{
    private readonly RegularizedEvolutionOptions _options;
    private readonly LinkedList<Genome> _population = new();
    private int _proposedInitial;

    /// <summary>Creates the strategy.</summary>
    public RegularizedEvolution(ISearchSpace space, HybridScore score, int seed, RegularizedEvolutionOptions? options = null) : base(space, score, seed)
    {
        _options = options ?? new RegularizedEvolutionOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public override string Name => "rea";

    /// <inheritdoc />
    public override string Settings => FormattableString.Invariant($"population={_options.PopulationSize},tournament={_options.TournamentSize}");

    /// <inheritdoc />
    /// <remarks>The initial population is independent; every child depends on the previous one's result.</remarks>
    public override int ProposalsReady
    {
        get
        {
            if (_proposedInitial < _options.PopulationSize) return _options.PopulationSize - _proposedInitial;
            if (_population.Count < _options.PopulationSize) return 0;
            return PendingCount == 0 ? 1 : 0;
        }
    }

    /// <inheritdoc />
    protected override Genome Next()
    {
        if (_proposedInitial < _options.PopulationSize)
        {
            _proposedInitial++;
            return Fresh(() => Space.Sample(Random));
        }
        if (_population.Count < _options.PopulationSize)
            throw new InvalidOperationException("REA proposes children only after its initial population has been evaluated.");
        var members = _population.ToList();
        double[] fitness = History.ScorePool(members);
        Genome parent = members[TournamentWinner(fitness, _options.TournamentSize)];
        return Fresh(() => Space.Mutate(parent, Random));
    }

    /// <inheritdoc />
    protected override void Learn(TrialResult result)
    {
        _population.AddLast(result.Genome);
        if (_population.Count > _options.PopulationSize) _population.RemoveFirst();
    }
}

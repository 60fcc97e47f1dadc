using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>Options of the <see cref="GeneticAlgorithm"/>.</summary>
public sealed class GeneticAlgorithmOptions
{
    /// <summary>Individuals kept per generation; also the number of offspring per generation.</summary>
    public int PopulationSize { get; init; } = 50;

    /// <summary>Individuals drawn per tournament; the fittest becomes a parent.</summary>
    public int TournamentSize { get; init; } = 5;

    /// <summary>Probability that a child is the uniform crossover of two parents (else a copy of the first).</summary>
    public double CrossoverRate { get; init; } = 0.5;

    /// <summary>Probability that a child is mutated at one position (a child equal to a seen architecture always is).</summary>
    public double MutationRate { get; init; } = 1.0;

    /// <summary>Throws naming the first invalid option.</summary>
    public void Validate()
    {
        if (PopulationSize < 2) throw new ArgumentOutOfRangeException(nameof(PopulationSize), PopulationSize, "The population needs at least 2 individuals.");
        if (TournamentSize < 1 || TournamentSize > PopulationSize) throw new ArgumentOutOfRangeException(nameof(TournamentSize), TournamentSize, "The tournament size must be in 1..population size.");
        if (CrossoverRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(CrossoverRate), CrossoverRate, "Rates are probabilities in [0, 1].");
        if (MutationRate is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(MutationRate), MutationRate, "Rates are probabilities in [0, 1].");
    }
}

/// <summary>
/// The paper's genetic algorithm. A random initial population; each generation breeds as many
/// offspring as there are individuals (tournament selection, uniform crossover, one-position
/// mutation, no architecture evaluated twice); fitness is the hybrid score ranked within the
/// population plus its offspring, re-ranked every generation, and the fittest half survives
/// (elitist (mu + lambda) selection).
/// </summary>
public sealed class GeneticAlgorithm : SearchStrategy
{
    private readonly GeneticAlgorithmOptions _options;
    private List<Genome> _population = [];
    private double[] _fitness = [];
    private readonly List<Genome> _offspring = [];
    private int _proposedInitial;

    /// <summary>Creates the GA.</summary>
    public GeneticAlgorithm(ISearchSpace space, HybridScore score, int seed, GeneticAlgorithmOptions? options = null) : base(space, score, seed)
    {
        _options = options ?? new GeneticAlgorithmOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public override string Name => "ga";

    /// <inheritdoc />
    public override string Settings => FormattableString.Invariant($"population={_options.PopulationSize},tournament={_options.TournamentSize},crossover={_options.CrossoverRate},mutation={_options.MutationRate}");

    /// <summary>Completed generations.</summary>
    public int Generation { get; private set; }

    /// <summary>The current population.</summary>
    public IReadOnlyList<Genome> Population => _population;

    /// <inheritdoc />
    /// <remarks>The whole initial population, then each generation's offspring, are independent of one another's results.</remarks>
    public override int ProposalsReady
    {
        get
        {
            if (_proposedInitial < _options.PopulationSize) return _options.PopulationSize - _proposedInitial;
            if (_fitness.Length == 0) return 0; // the initial population is still being evaluated
            return Math.Max(0, _options.PopulationSize - _offspring.Count - PendingCount);
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
        if (_fitness.Length != _population.Count)
            throw new InvalidOperationException("The GA proposes offspring only after its initial population has been evaluated.");
        return Fresh(Breed);
    }

    private Genome Breed()
    {
        Genome first = Tournament();
        Genome child = first;
        if (Random.NextDouble() < _options.CrossoverRate) child = Space.Crossover(first, Tournament(), Random);
        if (Random.NextDouble() < _options.MutationRate || Seen(child)) child = Space.Mutate(child, Random);
        return child;
    }

    private Genome Tournament() => _population[TournamentWinner(_fitness, _options.TournamentSize)];

    /// <inheritdoc />
    protected override void Learn(TrialResult result)
    {
        if (_population.Count < _options.PopulationSize && _fitness.Length == 0)
        {
            _population.Add(result.Genome);
            if (_population.Count == _options.PopulationSize) _fitness = History.ScorePool(_population);
            return;
        }
        _offspring.Add(result.Genome);
        if (_offspring.Count < _options.PopulationSize) return;
        // Rank parents and offspring together; the best PopulationSize survive.
        var pool = _population.Concat(_offspring).ToList();
        double[] scores = History.ScorePool(pool);
        int[] order = Enumerable.Range(0, pool.Count).OrderByDescending(i => scores[i]).ThenBy(i => i).ToArray();
        _population = order.Take(_options.PopulationSize).Select(i => pool[i]).ToList();
        _fitness = History.ScorePool(_population);
        _offspring.Clear();
        Generation++;
    }
}

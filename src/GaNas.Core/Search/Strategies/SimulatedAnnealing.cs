using GaNas.Scoring;
using GaNas.Search.AutoML;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>Options of <see cref="SimulatedAnnealing"/>.</summary>
public sealed class SimulatedAnnealingOptions
{
    /// <summary>maxN: one-position neighbours scored per step.</summary>
    public int NeighbourhoodSize { get; init; } = 10;

    /// <summary>Best architectures seen so far that join every ranked pool (steadies the ranks).</summary>
    public int BestKept { get; init; } = 5;

    /// <summary>Initial temperature T0.</summary>
    public double InitialTemperature { get; init; } = 1.0;

    /// <summary>Final temperature T_end; reaching it reheats to T0 from the best architecture seen.</summary>
    public double FinalTemperature { get; init; } = 0.01;

    /// <summary>Cooling factor Rt applied per round.</summary>
    public double CoolingRate { get; init; } = 0.8;

    /// <summary>Steps per temperature.</summary>
    public int IterationsPerTemperature { get; init; } = 2;

    /// <summary>alpha in the acceptance probability exp(-alpha dE / T); dE is in normalised rank units (0..1).</summary>
    public double Alpha { get; init; } = 10;

    /// <summary>Throws naming the first invalid option.</summary>
    public void Validate()
    {
        if (NeighbourhoodSize < 1) throw new ArgumentOutOfRangeException(nameof(NeighbourhoodSize), NeighbourhoodSize, "At least one neighbour per step.");
        if (BestKept < 0) throw new ArgumentOutOfRangeException(nameof(BestKept), BestKept, "Cannot be negative.");
        if (!(InitialTemperature > FinalTemperature) || !(FinalTemperature > 0)) throw new ArgumentOutOfRangeException(nameof(InitialTemperature), InitialTemperature, "Need T0 > T_end > 0.");
        if (CoolingRate is <= 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(CoolingRate), CoolingRate, "The cooling factor lies in (0, 1).");
        if (IterationsPerTemperature < 1) throw new ArgumentOutOfRangeException(nameof(IterationsPerTemperature), IterationsPerTemperature, "At least one step per temperature.");
        if (!(Alpha > 0)) throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "Alpha must be positive.");
    }
}

/// <summary>
/// Simulated annealing over the one-position neighbourhood. Each step scores maxN neighbours of the
/// current architecture, ranks them together with the current one and the best seen, and moves to the
/// best-ranked neighbour; a worse move is accepted with probability exp(-alpha dE / T). The temperature
/// falls from T0 by Rt every few steps; at T_end the search reheats from the best architecture seen.
/// </summary>
public sealed class SimulatedAnnealing : SearchStrategy
{
    private readonly SimulatedAnnealingOptions _options;
    private readonly Queue<Genome> _toPropose = new();
    private List<Genome> _candidates = [];
    private int _awaiting;
    private Genome? _current;
    private List<Genome> _bestSeen = [];
    private int _bestSeenAt = -1;

    /// <summary>Consecutive steps without a new architecture before the walk restarts elsewhere.</summary>
    private const int MaxFreeSteps = 20;
    private double _temperature;
    private int _steps;

    /// <summary>Creates the strategy.</summary>
    public SimulatedAnnealing(ISearchSpace space, HybridScore score, int seed, SimulatedAnnealingOptions? options = null) : base(space, score, seed)
    {
        _options = options ?? new SimulatedAnnealingOptions();
        _options.Validate();
        _temperature = _options.InitialTemperature;
    }

    /// <inheritdoc />
    public override string Name => "sa";

    /// <inheritdoc />
    public override string Settings => FormattableString.Invariant(
        $"neighbours={_options.NeighbourhoodSize},best={_options.BestKept},t0={_options.InitialTemperature},tend={_options.FinalTemperature},rt={_options.CoolingRate},iters={_options.IterationsPerTemperature},alpha={_options.Alpha}");

    /// <summary>Current temperature.</summary>
    public double Temperature => _temperature;

    /// <inheritdoc />
    /// <remarks>All neighbours of one step are independent; the next step waits for them.</remarks>
    public override int ProposalsReady
    {
        get
        {
            if (_current is null) return _awaiting > 0 ? 0 : 1;
            if (_toPropose.Count > 0) return _toPropose.Count;
            return _awaiting == 0 ? 1 : 0;
        }
    }

    /// <inheritdoc />
    protected override Genome Next()
    {
        if (_current is null)
        {
            if (_awaiting > 0) throw new InvalidOperationException("SA proposes neighbours only after its start point has been evaluated.");
            _awaiting = 1;
            return Fresh(() => Space.Sample(Random));
        }
        // Steps whose whole neighbourhood was already evaluated cost nothing: move on until one needs
        // evaluations. A walk stuck among evaluated architectures restarts from a new random point.
        int freeSteps = 0;
        while (_toPropose.Count == 0 && _awaiting == 0)
        {
            BeginStep();
            if (_toPropose.Count > 0) break;
            Move();
            if (++freeSteps > MaxFreeSteps)
            {
                _current = null;
                _awaiting = 1;
                return Fresh(() => Space.Sample(Random));
            }
        }
        if (_toPropose.Count == 0) throw new InvalidOperationException("SA proposes the next step only after the current neighbourhood has been evaluated.");
        return _toPropose.Dequeue();
    }

    private void BeginStep()
    {
        var neighbours = Space.Neighbours(_current!).ToList();
        // A partial Fisher-Yates draw of maxN neighbours.
        int n = Math.Min(_options.NeighbourhoodSize, neighbours.Count);
        for (int i = 0; i < n; i++)
        {
            int j = i + Random.Next(neighbours.Count - i);
            (neighbours[i], neighbours[j]) = (neighbours[j], neighbours[i]);
        }
        _candidates = neighbours.Take(n).ToList();
        foreach (Genome g in _candidates.Where(g => !Seen(g))) _toPropose.Enqueue(g);
        _awaiting = _toPropose.Count;
    }

    /// <inheritdoc />
    protected override void Learn(TrialResult result)
    {
        if (_current is null)
        {
            _current = result.Genome;
            _awaiting = 0;
            return;
        }
        if (--_awaiting == 0 && _toPropose.Count == 0) Move();
    }

    /// <summary>The BestKept best architectures over the history, recomputed only when the history grew.</summary>
    private List<Genome> BestSeen()
    {
        if (_options.BestKept == 0) return [];
        if (_bestSeenAt != History.Count)
        {
            var all = History.Trials.Select(t => t.Genome).ToArray();
            double[] overall = History.ScorePool(all);
            _bestSeen = Enumerable.Range(0, all.Length).OrderByDescending(i => overall[i]).ThenBy(i => i).Take(_options.BestKept).Select(i => all[i]).ToList();
            _bestSeenAt = History.Count;
        }
        return _bestSeen;
    }

    private void Move()
    {
        Genome current = _current!;
        var pool = new List<Genome>(_candidates) { current };
        foreach (Genome g in BestSeen())
        {
            if (!pool.Contains(g)) pool.Add(g);
        }
        double[] energy = History.NormalizedPoolScores(pool);
        int best = Ranking.ArgMax(energy.Take(_candidates.Count).ToArray());
        double dE = energy[_candidates.Count] - energy[best];
        if (dE <= 0 || Random.NextDouble() < Math.Exp(-_options.Alpha * dE / _temperature)) _current = _candidates[best];
        _candidates = [];
        if (++_steps % _options.IterationsPerTemperature == 0)
        {
            _temperature *= _options.CoolingRate;
            if (_temperature < _options.FinalTemperature)
            {
                _temperature = _options.InitialTemperature;
                _current = BestSeen().FirstOrDefault() ?? History.Best()!.Genome;
            }
        }
    }
}

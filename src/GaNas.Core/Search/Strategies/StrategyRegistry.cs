using GaNas.Scoring;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>What a strategy is created for: the space, the score, the seed and the evaluation budget.</summary>
/// <param name="Space">The search space.</param>
/// <param name="Score">The training-free score.</param>
/// <param name="Seed">Seed of the strategy's random choices.</param>
/// <param name="Budget">Evaluations the search may make (int.MaxValue when only time-limited); settings scale with it.</param>
public sealed record StrategyRequest(ISearchSpace Space, HybridScore Score, int Seed, int Budget);

/// <summary>
/// The search strategies known by name, each with its settings for a given budget, so the CLI and the ML.NET trainer
/// run the same GA (population and tournament scaled to the budget; the defaults from 400 evaluations up). Adding a
/// strategy is one <see cref="SearchStrategy"/> subclass and one <see cref="Register"/> call.
/// </summary>
public static class StrategyRegistry
{
    private static readonly Registry<Func<StrategyRequest, SearchStrategy>> Strategies = CreateBuiltIn();

    private static Registry<Func<StrategyRequest, SearchStrategy>> CreateBuiltIn()
    {
        var r = new Registry<Func<StrategyRequest, SearchStrategy>>("strategy");
        r.Register("rs", "Random search: independent uniform samples, the best by the score.", q => new RandomSearch(q.Space, q.Score, q.Seed));
        r.Register("ga", "Genetic algorithm (the paper's): tournament selection, uniform crossover, one-position mutation, elitist survival; population budget/4 up to 50, tournament budget/20 up to 5.",
            q => new GeneticAlgorithm(q.Space, q.Score, q.Seed, new GeneticAlgorithmOptions
            {
                PopulationSize = Math.Clamp(q.Budget / 4, 2, 50),
                TournamentSize = Math.Clamp(q.Budget / 20, 1, 5),
            }));
        r.Register("sa", "Simulated annealing over one-position neighbourhoods.", q => new SimulatedAnnealing(q.Space, q.Score, q.Seed));
        r.Register("rea", "Regularised (aging) evolution; population budget/4 up to 100, tournament budget/16 up to 25.",
            q => new RegularizedEvolution(q.Space, q.Score, q.Seed, new RegularizedEvolutionOptions
            {
                PopulationSize = Math.Clamp(q.Budget / 4, 2, 100),
                TournamentSize = Math.Clamp(q.Budget / 16, 1, 25),
            }));
        return r;
    }

    /// <summary>Known names, in registration order.</summary>
    public static IReadOnlyList<string> Names => Strategies.Names;

    /// <summary>Every registered strategy with its description.</summary>
    public static IReadOnlyList<RegistryEntry<Func<StrategyRequest, SearchStrategy>>> Entries => Strategies.Entries;

    /// <summary>Whether a strategy of that name is registered.</summary>
    public static bool Contains(string name) => Strategies.Contains(name);

    /// <summary>Registers a strategy; a name that is taken is refused.</summary>
    public static void Register(string name, string description, Func<StrategyRequest, SearchStrategy> create) => Strategies.Register(name, description, create);

    /// <summary>Creates a strategy with the settings for <paramref name="budget"/> evaluations (the defaults when unknown).</summary>
    public static SearchStrategy Create(string name, ISearchSpace space, HybridScore score, int seed, int budget = int.MaxValue)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(score);
        if (budget < 1) throw new ArgumentOutOfRangeException(nameof(budget), budget, "The budget is at least one evaluation.");
        return Strategies.Get(name)(new StrategyRequest(space, score, seed, budget));
    }
}

using GaNas.Scoring;
using GaNas.SearchSpaces;

namespace GaNas.Search.Strategies;

/// <summary>Creates strategies by their command-line names.</summary>
public static class StrategyFactory
{
    /// <summary>Known names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["rs", "ga", "sa", "rea"];

    /// <summary>Creates a strategy with default options.</summary>
    public static SearchStrategy Create(string name, ISearchSpace space, HybridScore score, int seed)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.ToLowerInvariant() switch
        {
            "rs" => new RandomSearch(space, score, seed),
            "ga" => new GeneticAlgorithm(space, score, seed),
            "sa" => new SimulatedAnnealing(space, score, seed),
            "rea" => new RegularizedEvolution(space, score, seed),
            _ => throw new ArgumentException($"Unknown strategy '{name}'; expected one of {string.Join(", ", Names)}.", nameof(name)),
        };
    }
}

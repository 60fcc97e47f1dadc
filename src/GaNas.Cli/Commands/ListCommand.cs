using System.CommandLine;
using GaNas.Proxies;
using GaNas.Scoring;
using GaNas.Search.Strategies;
using GaNas.SearchSpaces;

namespace GaNas.Cli.Commands;

/// <summary>
/// <c>ganas list</c>: every registered search space, strategy, proxy and named score with its description, as the
/// Markdown tables of docs/architecture.md (a test keeps that page equal to this output).
/// </summary>
internal static class ListCommand
{
    public static Command Create(CommandIO io)
    {
        var command = new Command("list", "Print the registered search spaces, strategies, proxies and named scores as Markdown tables.");
        command.SetAction(parse => io.Guard(() =>
        {
            io.Out.Write(Markdown());
            return 0;
        }));
        return command;
    }

    /// <summary>The four tables, from the registries.</summary>
    internal static string Markdown()
    {
        var text = new StringWriter { NewLine = "\n" };
        void Table(string title, string header, IEnumerable<string> rows)
        {
            text.WriteLine($"### {title}");
            text.WriteLine();
            text.WriteLine(header);
            text.WriteLine(string.Concat(header.Where(c => c == '|').Skip(1).Select(_ => "|---")) + "|");
            foreach (string row in rows) text.WriteLine(row);
            text.WriteLine();
        }
        static string Cell(string value) => value.Replace("|", "\\|", StringComparison.Ordinal);
        Table("Search spaces", "| name | description |", SearchSpaceCatalog.Entries.Select(e => $"| `{e.Name}` | {Cell(e.Description)} |"));
        Table("Strategies", "| name | description |", StrategyRegistry.Entries.Select(e => $"| `{e.Name}` | {Cell(e.Description)} |"));
        Table("Proxies", "| name | description |", ProxyRegistry.Entries.Select(e => $"| `{e.Name}` | {Cell(e.Description)} |"));
        Table("Named scores", "| name | formula | description |", HybridScore.NamedEntries.Select(e => $"| `{e.Name}` | `{Cell(e.Item.Describe())}` | {Cell(e.Description)} |"));
        return text.ToString();
    }
}

using System.CommandLine;

namespace GaNas.Cli.Commands;

/// <summary>Options shared by several verbs.</summary>
internal static class CommonOptions
{
    public static Option<string> Space()
    {
        var option = new Option<string>("--space") { Description = "Search space: tss (topology, NAS-Bench-201) or sss (size).", Required = true };
        option.AcceptOnlyFromAmong("tss", "sss");
        return option;
    }
}

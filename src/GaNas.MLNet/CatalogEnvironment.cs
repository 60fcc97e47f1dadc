using System.Reflection;
using Microsoft.ML.Runtime;

namespace GaNas.MLNet;

/// <summary>
/// The ML.NET environment behind a catalog. ML.NET's catalogs know their MLContext's environment (seed, log,
/// component catalog) through the internal interface IInternalCatalog, which ML.NET's own trainer packages reach
/// with InternalsVisibleTo; an extension package can only read it by reflection. Failing that (a future
/// ML.NET that renames it), the error says so instead of falling back to a context the user did not pass.
/// </summary>
internal static class CatalogEnvironment
{
    private const string InterfaceName = "Microsoft.ML.Data.IInternalCatalog";

    public static IHostEnvironment Of(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Type? contract = catalog.GetType().GetInterfaces().FirstOrDefault(i => i.FullName == InterfaceName);
        PropertyInfo? property = contract?.GetProperty("Environment", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);
        if (property?.GetValue(catalog) is IHostEnvironment environment) return environment;
        throw new NotSupportedException(
            $"Cannot find the MLContext behind {catalog.GetType().FullName}: this ML.NET version has no {InterfaceName}.Environment. " +
            "GaNas.MLNet is built against Microsoft.ML 5.x.");
    }
}

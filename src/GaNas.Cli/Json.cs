using System.Text.Encodings.Web;
using System.Text.Json;

namespace GaNas.Cli;

/// <summary>JSON settings of every command's output: readable architecture strings, snake_case names given explicitly.</summary>
internal static class Json
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static JsonSerializerOptions Indented { get; } = new(Options) { WriteIndented = true };

    public static string Serialize<T>(T value, bool indented = false) => JsonSerializer.Serialize(value, indented ? Indented : Options);
}

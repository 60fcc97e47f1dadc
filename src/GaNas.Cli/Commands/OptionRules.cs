using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace GaNas.Cli.Commands;

/// <summary>
/// The documented range of every numeric option and the allowed words of every choice option, checked by the parser
/// before any work starts (the message names the option, and the help text shows the range or the words), and the
/// writability check for output paths. Shared by the <c>ganas</c> verbs and the Fashion-MNIST example.
/// </summary>
internal static class OptionRules
{
    /// <summary>
    /// Restricts <paramref name="option"/> to <paramref name="values"/> (ordinal), with an error that names the option;
    /// help shows the words as <c>&lt;a|b&gt;</c>.
    /// </summary>
    public static TOption OneOf<TOption>(this TOption option, params string[] values) where TOption : Option
    {
        option.CompletionSources.Add(values);
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<string?>() is string v && !values.Contains(v, StringComparer.Ordinal))
                r.AddError($"{option.Name} is one of {string.Join(", ", values)}; got '{v}'.");
        });
        return option;
    }

    public static Option<int> InRange(this Option<int> option, int min, int max)
    {
        option.Description += Text($" Range {min}..{max}.");
        option.Validators.Add(r => { if (TryValue(r, out int v)) Check(r, option.Name, v, min, max); });
        return option;
    }

    public static Option<int?> InRange(this Option<int?> option, int min, int max)
    {
        option.Description += Text($" Range {min}..{max}.");
        option.Validators.Add(r => { if (TryValue(r, out int? value) && value is int v) Check(r, option.Name, v, min, max); });
        return option;
    }

    /// <summary>A fraction or threshold in [min, max]; with <paramref name="exclusiveMin"/>, in (min, max].</summary>
    public static Option<double?> InRange(this Option<double?> option, double min, double max, bool exclusiveMin = false)
    {
        option.Description += Text($" Range {(exclusiveMin ? "(" : "[")}{min}, {max}].");
        option.Validators.Add(r =>
        {
            if (TryValue(r, out double? value) && value is double v) CheckDouble(r, option.Name, v, min, max, exclusiveMin);
        });
        return option;
    }

    public static Option<double> InRange(this Option<double> option, double min, double max, bool exclusiveMin = false)
    {
        option.Description += Text($" Range {(exclusiveMin ? "(" : "[")}{min}, {max}].");
        option.Validators.Add(r => { if (TryValue(r, out double v)) CheckDouble(r, option.Name, v, min, max, exclusiveMin); });
        return option;
    }

    public static Option<double[]> InRange(this Option<double[]> option, double min, double max, bool exclusiveMin = false)
    {
        option.Description += Text($" Range {(exclusiveMin ? "(" : "[")}{min}, {max}].");
        option.Validators.Add(r =>
        {
            if (!TryValue(r, out double[]? values)) return;
            foreach (double v in values ?? []) CheckDouble(r, option.Name, v, min, max, exclusiveMin);
        });
        return option;
    }

    /// <summary>
    /// Throws when <paramref name="path"/> cannot be written (missing permission, a folder in the way, a read-only file
    /// system), before the work whose result it would hold; creates its folder. An existing file is left untouched.
    /// </summary>
    public static void EnsureWritable(string path, string option)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new IOException($"{option} '{path}' is a folder, not a file.");
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            bool existed = File.Exists(full);
            using (new FileStream(full, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite)) { }
            if (!existed) File.Delete(full);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            throw new IOException($"{option} '{path}' cannot be written ({ex.Message}); nothing was computed.", ex);
        }
    }

    /// <summary>
    /// The option's value, or false when its text is not of the option's type: the parser then reports that itself, and
    /// asking for the value would throw instead of letting it.
    /// </summary>
    private static bool TryValue<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }

    private static void Check(OptionResult result, string name, int value, int min, int max)
    {
        if (value < min || value > max) result.AddError(Text($"{name} must lie in {min}..{max}; got {value}."));
    }

    private static void CheckDouble(OptionResult result, string name, double value, double min, double max, bool exclusiveMin)
    {
        bool ok = double.IsFinite(value) && (exclusiveMin ? value > min : value >= min) && value <= max;
        if (!ok) result.AddError(Text($"{name} must lie in {(exclusiveMin ? "(" : "[")}{min}, {max}]; got {value}."));
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

namespace GaNas.Runtime;

/// <summary>
/// An <see cref="IProgress{T}"/> that calls its action at once on the reporting thread (unlike
/// <see cref="Progress{T}"/>, which posts to a synchronisation context), so reports arrive in order and before the
/// work goes on. The action must be thread-safe when several workers report.
/// </summary>
public sealed class SyncProgress<T>(Action<T> action) : IProgress<T>
{
    private readonly Action<T> _action = action ?? throw new ArgumentNullException(nameof(action));

    /// <inheritdoc />
    public void Report(T value) => _action(value);
}

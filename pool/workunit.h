#pragma once
// The three kinds of work a pool runs: a callable, erased into the move-only WorkUnit; a plain
// function with its context; a notify target with its sender and tag. The pool sends the last
// two in their completion packets, so only a callable needs a WorkUnit.

#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>

namespace poolscope {

// A plain function with a context pointer: the allocation-free kind.
using WorkFunction = void (*)(void *context);

// The notify-style kind: an object told "this sender, this tag" (an event sink, a
// message handler). The pool does not own the target or the sender.
class NotifyTarget {
public:
    virtual void notify(void *sender, int tag) = 0;

protected:
    ~NotifyTarget() = default;
};

// What a unit is, for reports: a short name of its kind ("cpu", "blocking", ...).
// Must point to storage that outlives the unit (a string literal).
using UnitTag = const char *;

// A move-only unit of work. Small callables (up to InlineSize bytes, nothrow-movable)
// live inside it; larger ones on the heap. Destroying it destroys the callable: a unit
// that never ran is destroyed like one that did.
// Not thread-safe: one thread at a time owns a WorkUnit.
class WorkUnit {
public:
    static constexpr std::size_t InlineSize = 48;

    WorkUnit() noexcept = default;

    template <typename F,
              typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, WorkUnit> &&
                                          std::is_invocable_r_v<void, std::decay_t<F> &>>>
    WorkUnit(F &&callable) // NOLINT(google-explicit-constructor): a unit is made from a callable
    {
        using Callable = std::decay_t<F>;
        if constexpr (sizeof(Callable) <= InlineSize && alignof(Callable) <= alignof(std::max_align_t) &&
                      std::is_nothrow_move_constructible_v<Callable>) {
            ::new (static_cast<void *>(m_storage)) Callable(std::forward<F>(callable));
            m_ops = &InlineOps<Callable>::ops;
        } else {
            *reinterpret_cast<Callable **>(m_storage) = new Callable(std::forward<F>(callable));
            m_ops = &HeapOps<Callable>::ops;
        }
    }

    WorkUnit(WorkUnit &&other) noexcept : m_ops(std::exchange(other.m_ops, nullptr))
    {
        if (m_ops)
            m_ops->relocate(other.m_storage, m_storage);
    }
    WorkUnit &operator=(WorkUnit &&other) noexcept
    {
        if (this != &other) {
            reset();
            m_ops = std::exchange(other.m_ops, nullptr);
            if (m_ops)
                m_ops->relocate(other.m_storage, m_storage);
        }
        return *this;
    }
    WorkUnit(const WorkUnit &) = delete;
    WorkUnit &operator=(const WorkUnit &) = delete;
    ~WorkUnit() { reset(); }

    explicit operator bool() const noexcept { return m_ops != nullptr; }

    // Runs the unit; exceptions from it propagate to the caller.
    void operator()() { m_ops->invoke(m_storage); }

    void reset() noexcept
    {
        if (m_ops) {
            m_ops->destroy(m_storage);
            m_ops = nullptr;
        }
    }

private:
    struct Ops {
        void (*invoke)(void *storage);
        void (*destroy)(void *storage) noexcept;
        void (*relocate)(void *from, void *to) noexcept; // move into `to`, destroy `from`
    };

    template <typename C>
    struct InlineOps {
        static constexpr Ops ops{
            [](void *s) { (*std::launder(static_cast<C *>(s)))(); },
            [](void *s) noexcept { std::launder(static_cast<C *>(s))->~C(); },
            [](void *from, void *to) noexcept {
                C *source = std::launder(static_cast<C *>(from));
                ::new (to) C(std::move(*source));
                source->~C();
            }};
    };

    template <typename C>
    struct HeapOps {
        static constexpr Ops ops{
            [](void *s) { (**static_cast<C **>(s))(); },
            [](void *s) noexcept { delete *static_cast<C **>(s); },
            [](void *from, void *to) noexcept { *static_cast<C **>(to) = *static_cast<C **>(from); }};
    };

    const Ops *m_ops = nullptr;
    alignas(std::max_align_t) unsigned char m_storage[InlineSize];
};

} // namespace poolscope

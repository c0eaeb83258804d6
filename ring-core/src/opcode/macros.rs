//! The generator behind the opcode table: `opcodes!` turns one row per opcode into a builder
//! type, and the rows together into [`OPCODES`](super::OPCODES).
//!
//! A row reads
//!
//! ```text
//! /// docs
//! 22 READ => Read (unsafe, since "5.6") {
//!     /// required field docs
//!     target: Target => target(),
//!     buf: *mut u8 => ptr(addr),
//!     len: u32 => num(len),
//!     ;
//!     /// optional field docs
//!     offset: u64 = 0 => num(off),
//!     ;
//!     fd = -1,                       // fixed SQE assignments, applied first
//! }
//! ```
//!
//! `safe` rows get `pub const fn build`; `unsafe` rows (every row with a pointer field) get
//! `pub unsafe fn build`. A field's writer is one of:
//!
//! | writer | effect |
//! |---|---|
//! | `num(f)` | `sqe.f = value as _` |
//! | `or(f)` | `sqe.f \|= value` (same type) |
//! | `ptr(f)` | `sqe.f = value as usize as _` (only in `unsafe` rows: not const) |
//! | `target()` | a [`Target`](super::Target): `fd`, plus `IOSQE_FIXED_FILE` when registered |
//! | `with(func)` | `func(&mut sqe, value)`, a `const fn` in `opcode/mod.rs` |

/// Writes one field's value into the SQE under construction.
macro_rules! sqe_set {
    ($sqe:ident, $v:expr, num($f:ident)) => {
        $sqe.$f = $v as _;
    };
    ($sqe:ident, $v:expr, or($f:ident)) => {
        $sqe.$f |= $v;
    };
    ($sqe:ident, $v:expr, ptr($f:ident)) => {
        $sqe.$f = $v as usize as _;
    };
    ($sqe:ident, $v:expr, target()) => {
        $v.apply(&mut $sqe);
    };
    ($sqe:ident, $v:expr, with($f:ident)) => {
        $f(&mut $sqe, $v);
    };
}

/// The body of `build`: start from an all-zero SQE, set the opcode, the fixed assignments,
/// then every field through its writer.
macro_rules! sqe_body {
    ($s:ident, $code:expr, [$( $field:ident => $kind:ident ($($arg:tt)*), )*], [$( $fixed:ident = $fval:expr ),*]) => {{
        let mut sqe = $crate::abi::Sqe::ZERO;
        sqe.opcode = $code;
        $( sqe.$fixed = $fval; )*
        $( sqe_set!(sqe, $s.$field, $kind($($arg)*)); )*
        Entry(sqe)
    }};
}

/// One builder: the struct, `new` over the required fields, a setter per optional field,
/// and `build`.
macro_rules! opcode_builder {
    (
        $safety:tt, $code:literal, $kname:ident, $name:ident, $since:literal, [$(#[$meta:meta])*],
        [ $( [$(#[$rmeta:meta])*] $rfield:ident : $rty:ty => $rkind:ident ($($rarg:tt)*) ),* ],
        [ $( [$(#[$ometa:meta])*] $ofield:ident : $oty:ty = $odef:expr => $okind:ident ($($oarg:tt)*) ),* ],
        [ $( $fixed:ident = $fval:expr ),* ]
    ) => {
        $(#[$meta])*
        ///
        #[doc = concat!("Opcode ", stringify!($code), " (`IORING_OP_", stringify!($kname), "`), Linux ", $since, ".")]
        ///
        /// Required fields (arguments of `new`):
        $( #[doc = concat!("- `", stringify!($rfield), ": ", stringify!($rty), "`")] )*
        #[derive(Clone, Copy, Debug)]
        #[must_use = "an opcode does nothing until it is built and pushed"]
        pub struct $name {
            $( $rfield: $rty, )*
            $( $ofield: $oty, )*
        }

        const _: () = assert!(crate::abi::op::$kname == $code);

        impl $name {
            #[doc = concat!("`IORING_OP_", stringify!($kname), "` (", stringify!($code), ").")]
            pub const CODE: u8 = $code;

            /// The builder with its required fields; optional ones take their defaults.
            #[inline]
            #[allow(clippy::new_without_default, clippy::too_many_arguments)]
            pub const fn new($( $rfield: $rty ),*) -> Self {
                $name { $( $rfield, )* $( $ofield: $odef, )* }
            }

            $(
                $(#[$ometa])*
                #[doc = concat!("\n\nDefault: `", stringify!($odef), "`.")]
                #[inline]
                pub const fn $ofield(mut self, $ofield: $oty) -> Self {
                    self.$ofield = $ofield;
                    self
                }
            )*
        }

        opcode_builder!(@build $safety, $name, $code,
            [$( $rfield => $rkind ($($rarg)*), )* $( $ofield => $okind ($($oarg)*), )*],
            [$( $fixed = $fval ),*]);
    };
    (@build safe, $name:ident, $code:literal, $fields:tt, $fixed:tt) => {
        impl $name {
            /// The entry.
            #[inline]
            #[allow(clippy::unnecessary_cast)]
            pub const fn build(self) -> Entry {
                sqe_body!(self, $code, $fields, $fixed)
            }
        }
    };
    (@build unsafe, $name:ident, $code:literal, $fields:tt, $fixed:tt) => {
        impl $name {
            /// The entry.
            ///
            /// # Safety
            ///
            /// Every pointer field must point to memory of the type and size the field's
            /// documentation names, valid (and, where the kernel writes, writable and not
            /// otherwise accessed) until the completion is reaped. A null pointer is allowed
            /// only where the field's documentation says so.
            #[inline]
            #[allow(clippy::unnecessary_cast)]
            pub unsafe fn build(self) -> Entry {
                sqe_body!(self, $code, $fields, $fixed)
            }
        }
    };
}

/// The whole table: every builder, plus [`OPCODES`](super::OPCODES).
macro_rules! opcodes {
    ($(
        $(#[$meta:meta])*
        $code:literal $kname:ident => $name:ident ($safety:tt, since $since:literal) {
            $( $(#[$rmeta:meta])* $rfield:ident : $rty:ty => $rkind:ident ($($rarg:tt)*) ),* $(,)?
            ;
            $( $(#[$ometa:meta])* $ofield:ident : $oty:ty = $odef:expr => $okind:ident ($($oarg:tt)*) ),* $(,)?
            ;
            $( $fixed:ident = $fval:expr ),* $(,)?
        }
    )*) => {
        $(
            opcode_builder! {
                $safety, $code, $kname, $name, $since, [$(#[$meta])*],
                [ $( [$(#[$rmeta])*] $rfield : $rty => $rkind ($($rarg)*) ),* ],
                [ $( [$(#[$ometa])*] $ofield : $oty = $odef => $okind ($($oarg)*) ),* ],
                [ $( $fixed = $fval ),* ]
            }
        )*

        /// Every opcode with a builder, in table order: code, kernel name, builder, first
        /// Linux version.
        pub const OPCODES: &[OpInfo] = &[
            $( OpInfo {
                code: $code,
                name: stringify!($kname),
                builder: stringify!($name),
                since: $since,
            }, )*
        ];
    };
}
